// Bad input: random and adversarial REPL lines through a real REPL, and mutated config files
// through the real loader. No crash, no hang, every message clear, nothing unsafe printed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobStore } from '../../src/store/job-store.js';
import { parseConfig } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp.js';
import { recordResult, scaled } from './scale.js';

/** A small seeded generator, so a failing run can be replayed. */
function generator(seed: number) {
  let state = seed;
  const next = (): number => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick };
}

const NASTY = ['\u001b]52;c;ZXZpbA==\u0007', '\u001b[2J', '\u001b[H', '\u001b]0;title\u0007', '\u001b[6n', '\u0000', '\u0007', '\u0008', '\r', '\u009b31m', '\uFFFD', '\uD800', '💥', '%s%n', '../../etc/passwd', '$(rm -rf ~)', '`id`', "'; DROP TABLE", 'job-', 'job-aaaa', '-f', '--', '*', '\t'];
const COMMANDS = ['help', 'jobs', 'cancel', 'approve', 'retry', 'resume', 'logs', 'agent', 'agents', 'background', 'interactive', 'clean', 'nosuch', 'JOBS', 'jobs/', ''];

function fuzzLine(g: ReturnType<typeof generator>): string {
  const kind = g.next();
  const noise = (): string => {
    const parts: string[] = [];
    for (let i = 0, n = g.int(6); i < n; i++) {
      const r = g.next();
      parts.push(r < 0.4 ? g.pick(NASTY) : r < 0.7 ? String.fromCharCode(g.int(0x250)) : r < 0.9 ? Math.random().toString(36).slice(2, 2 + g.int(10)) : 'x'.repeat(g.int(5000)));
    }
    return parts.join(g.next() < 0.5 ? ' ' : '');
  };
  if (kind < 0.75) return `/${g.pick(COMMANDS)}${g.next() < 0.8 ? ` ${noise()}` : ''}`;
  if (kind < 0.9) return noise();
  if (kind < 0.95) return '/'.repeat(g.int(4)) + noise();
  return g.pick(['', ' ', '/', '//', '/ jobs', `/${'x'.repeat(200_000)}`]);
}

describe('fuzzed REPL lines', () => {
  it(`handles ${scaled(100_000, 4_000)} random and adversarial lines without crashing, hanging or printing anything unsafe`, async () => {
    const count = scaled(100_000, 4_000);
    const cwd = makeTempDir();
    // Every agent ignores its prompt, so no fuzzed line can ever run as a command.
    const inert = { type: 'command', phases: [{ name: 'run', run: 'sleep 0.01' }] };
    writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ maxConcurrentJobs: 1, whenBusy: 'reject', mode: 'background', agents: { sh: inert, check: inert } }));
    const g = generator(20261122);
    const lines = ['first job'];
    for (let i = 0; i < count; i++) {
      // Invalid UTF-8 arrives as bytes: stdin is decoded the same way whatever it carries.
      lines.push(fuzzLine(g).replace(/\n/g, ' '));
    }
    const input = Buffer.concat([Buffer.from(`${lines.join('\n')}\n`), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x0a])]);
    const started = Date.now();
    const { code, stdout, stderr } = await runCli([], { cwd, env: { JOBLINE_JOBS_DIR: join(cwd, 'jobs'), FORCE_COLOR: '0' }, input: input as unknown as string });
    const ms = Date.now() - started;
    recordResult('replFuzz', { lines: count, ms, exitCode: code });
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).not.toContain('internal error');
    // Piped input exits 0 only when every job it started completed (a fuzzed /cancel may cancel one).
    const isAnyUnfinished = (await JobStore.open(join(cwd, 'jobs')).list()).jobs.some((job) => job.status !== 'completed');
    expect(code).toBe(isAnyUnfinished ? 1 : 0);
    // Nothing a user typed comes back as a live control sequence.
    expect(stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(stdout).toContain('Unknown command /nosuch');
  }, scaled(600_000, 120_000));
});

describe('mutated config files', () => {
  it(`rejects every bad one of ${scaled(10_000, 2_000)} mutated configs with a clear ConfigError`, () => {
    const count = scaled(10_000, 2_000);
    const g = generator(42);
    const base = { maxConcurrentJobs: 3, maxUnfinishedJobs: 10, whenBusy: 'queue', mode: 'interactive', defaultAgent: null, workspace: null, cancelGraceMs: 2000, workerHeapMb: 512, debug: { keepTempFiles: false },
      providers: { local: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:11434/v1', model: 'm' } },
      agents: { ci: { type: 'command', phases: [{ name: 'test', run: 'npm test' }] }, smart: { type: 'llm', provider: 'local' } } };
    const values = [null, true, 0, -1, 1e308, 3.5, '', 'x'.repeat(10_000), [], {}, { type: 'nope' }, '3', NaN, '\u0000', [[[[]]]]];
    let accepted = 0;
    let rejected = 0;
    const unclear: string[] = [];
    for (let i = 0; i < count; i++) {
      const config = JSON.parse(JSON.stringify(base));
      for (let m = 0, n = 1 + g.int(3); m < n; m++) {
        // Walk to a random object inside the config and break something there.
        let target: Record<string, unknown> = config;
        for (let depth = g.int(4); depth > 0; depth--) {
          const children = Object.values(target).filter((v) => v && typeof v === 'object') as Record<string, unknown>[];
          if (children.length === 0) break;
          target = g.pick(children);
        }
        const keys = Object.keys(target);
        const r = g.next();
        if (r < 0.3 && keys.length > 0) delete target[g.pick(keys)];
        else if (r < 0.7 && keys.length > 0) target[g.pick(keys)] = g.pick(values);
        else target[g.pick(['maxConcurentJobs', 'mode ', 'agnets', '__proto__', 'constructor', 'x'])] = g.pick(values);
      }
      let text = JSON.stringify(config);
      if (g.next() < 0.15) text = text.slice(0, g.int(text.length));
      if (g.next() < 0.05) text = text.replace(/[{}[\]:,]/, g.pick(['', '{', ']', ',,', '"']));
      try {
        parseConfig(text, '/home/ada/.jobrc.json');
        accepted++;
      } catch (error) {
        rejected++;
        const message = (error as Error).message;
        if (!(error instanceof ConfigError) || !message.includes('/home/ada/.jobrc.json') || message.length > 5000) unclear.push(`${(error as Error).name}: ${message.slice(0, 200)}`);
      }
    }
    recordResult('configFuzz', { configs: count, accepted, rejected, unclear: unclear.length });
    expect(unclear).toEqual([]);
    expect(rejected).toBeGreaterThan(count / 2);
  });
});
