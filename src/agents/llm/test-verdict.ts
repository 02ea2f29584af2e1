// In a phase the tests decide (validate, verify): the last run of the project's test command is
// the verdict, and the phase does not pass while it failed. A model that says "all green" after a
// red run it did not fix does not end the job completed.

// Commands that run tests when the agent names none: npm/yarn/pnpm test scripts and the common
// runners. Matched on the command line as given to run_command.
const TEST_COMMAND = /^(npm|pnpm|yarn|bun)\s+(run\s+)?test(\b|:)|^(npx\s+)?(vitest|jest|mocha|ava|tap)\b|^node\s+--test\b|^(python3?\s+-m\s+)?pytest\b|^go\s+test\b|^cargo\s+test\b|^make\s+(test|check)\b/;

/** Returns true when `command` runs the project's tests: `validateCommand` when set, else a known test command. */
export function isTestCommand(command: string, validateCommand?: string): boolean {
  const normalized = command.trim().replace(/\s+/g, ' ');
  if (validateCommand) return normalized === validateCommand.trim().replace(/\s+/g, ' ');
  return TEST_COMMAND.test(normalized);
}

/** The verdict of a phase's test runs (see the file comment). */
export class TestVerdict {
  private last: { command: string; exitCode: number | null } | null = null;

  /** `isDeciding`: the phase validates; `validateCommand`: the agent's test command, if set. */
  constructor(
    private readonly isDeciding: boolean,
    private readonly validateCommand?: string,
  ) {}

  /** Records a run_command call that ran (`exitCode` null: killed or timed out). */
  record(command: string, exitCode: number | null): void {
    if (isTestCommand(command, this.validateCommand)) this.last = { command: command.trim(), exitCode };
  }

  /** Why the phase may not pass (its last test run failed), or null. */
  failure(): string | null {
    if (!this.isDeciding || !this.last || this.last.exitCode === 0) return null;
    const how = this.last.exitCode === null ? 'did not finish (killed or timed out)' : `exited with code ${this.last.exitCode}`;
    return `the tests fail: the last run of \`${this.last.command}\` ${how}, and the phase ended without a passing run`;
  }
}
