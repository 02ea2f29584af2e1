#!/usr/bin/env node
// The jobline command line: wiring only. Parses arguments, loads the context, calls a command,
// and turns a JoblineError (a user mistake or environment problem) into one clear line, exit 2.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { batchCommand } from './commands/batch.js';
import { loadAppContext } from './commands/context.js';
import { listCommand } from './commands/list.js';
import { runCommand } from './commands/run.js';
import { showCommand } from './commands/show.js';
import { JoblineError, UsageError } from './errors.js';
import { findNearestName } from './text/nearest-name.js';
import { sanitizeLine } from './render/text.js';
import { startRepl } from './repl/repl.js';
import { resumeInputOnContinue } from './commands/resume-input-on-continue.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('jobline')
  .description('Run agent jobs in background worker threads, with durable per-job state.')
  .version(version, '-v, --version', 'print the version')
  .showHelpAfterError('(run jobline --help for usage)')
  // Options before a command belong to the REPL; after it, to the command (`run -a check`).
  .enablePositionalOptions();

const configOption = (): Option => new Option('-c, --config <file>', 'config file (default: ./.jobrc.json, then ~/.jobrc.json)');

// No command: the interactive REPL. A word where a command belongs is a mistyped command (exit 2
// with a suggestion), not commander's "too many arguments".
program
  .option('-a, --agent <name>', 'agent for new jobs (default: defaultAgent from the config)')
  .option('-b, --background', 'new jobs run every phase without asking for approval')
  .addOption(configOption())
  .allowExcessArguments(true)
  .action(async (options) => {
    const [typed] = program.args;
    if (typed !== undefined) {
      const nearest = findNearestName(typed, program.commands.map((command) => command.name()));
      throw new UsageError('USAGE', `unknown command '${sanitizeLine(typed)}'.${nearest ? ` Did you mean '${nearest}'?` : ''} Run jobline --help for the commands.`);
    }
    await startRepl(loadAppContext(options.config), { ...options, version });
  });

program
  .command('run')
  .description('run one job in the foreground; exits 0 only if it completes')
  .argument('<prompt...>', 'the prompt (for the sh agent: the shell command)')
  .option('-a, --agent <name>', 'agent to run (default: defaultAgent from the config)')
  .option('-b, --background', 'run every phase without asking for approval')
  .option('-y, --yes', 'approve every phase up front (same as --background)')
  .option('--json', 'print the final job as JSON on stdout')
  .addOption(configOption())
  .action(async (words: string[], options) => {
    process.exitCode = await runCommand(loadAppContext(options.config), words.join(' '), options);
  });

program
  .command('batch')
  .description('run one background job per non-empty line of FILE (or stdin), honouring the cap')
  .argument('[file]', 'file of prompts, one per line; - or nothing for stdin')
  .option('-a, --agent <name>', 'agent to run (default: defaultAgent from the config)')
  .addOption(configOption())
  .action(async (file: string | undefined, options) => {
    process.exitCode = await batchCommand(loadAppContext(options.config), file, options);
  });

program
  .command('list')
  .description('list the jobs in the jobs folder (completed ones only with --all)')
  .option('--json', 'print JSON')
  .option('--all', 'include completed jobs (kept with debug.keepTempFiles)')
  .addOption(configOption())
  .action(async (options) => {
    process.exitCode = await listCommand(loadAppContext(options.config), options);
  });

program
  .command('show')
  .description('show one job in full')
  .argument('<id>', 'job id or unique prefix, with or without job-')
  .option('--json', 'print JSON')
  .addOption(configOption())
  .action(async (id: string, options) => {
    process.exitCode = await showCommand(loadAppContext(options.config), id, options);
  });

// A reader that went away (`jobline list | head -1`) is not an error worth a stack trace: the
// output it wanted has been written; end quietly, as other command-line tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

try {
  resumeInputOnContinue();
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof JoblineError)) throw error;
  process.stderr.write(`jobline: ${error.message}\n`);
  process.exitCode = 2;
}
// A script command has finished: its jobs are settled and written. End now, once what it printed
// is flushed, rather than when Node finds nothing left to wait for: a terminal prompt that was
// stopped and continued (Ctrl+Z, fg) can leave a handle behind that would keep `run` alive.
// (The REPL never gets here: it exits itself.)
await new Promise<void>((resolve) => process.stdout.write('', () => process.stderr.write('', () => resolve())));
process.exit();
