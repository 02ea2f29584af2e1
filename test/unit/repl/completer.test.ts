import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import type { JobService } from '../../../src/jobs/service/job-service.js';
import { COMMAND_ALIASES, SLASH_COMMANDS, describeUnknownCommand } from '../../../src/repl/commands/index.js';
import { createCompleter } from '../../../src/repl/completer.js';
import { makeJob } from '../../helpers/jobs.js';

const service = {
  sessionJobs: () => [
    makeJob({ id: 'job-kwmln13k', status: 'running' }),
    makeJob({ id: 'job-kx000000', status: 'awaiting_approval' }),
    makeJob({ id: 'job-kz000000', status: 'failed' }),
    makeJob({ id: 'job-k0000000', status: 'completed' }),
  ],
  storedIdsSync: () => [],
} as unknown as JobService;
const complete = createCompleter(SLASH_COMMANDS, service, configSchema.parse({ agents: { deploy: { type: 'command', phases: [{ name: 'go', run: 'true' }] } }, templates: { 'test-file': { prompt: 'npm test -- {file}' }, 'tidy': { prompt: 'x' } } }));

describe('tab completion', () => {
  it('completes command names', () => {
    expect(complete('/wat')).toEqual([['/watch '], '/wat']); // a unique name gets its trailing space
    expect(complete('/re')).toEqual([['/retry', '/resume', '/reload'], '/re']);
    expect(complete('hello')).toEqual([[], 'hello']);
  });

  it('completes the ids of the jobs a command can act on, in the form typed, and agent and template names', () => {
    expect(complete('/cancel job-kw')).toEqual([['job-kwmln13k'], 'job-kw']);
    expect(complete('/cancel k')).toEqual([['kwmln13k', 'kx000000'], 'k']); // active only
    expect(complete('/approve ')).toEqual([['job-kx000000'], '']); // awaiting approval only
    expect(complete('/retry k')).toEqual([['kx000000'], 'k']);
    expect(complete('/resume ')).toEqual([['job-kz000000'], '']); // unfinished only
    expect(complete('/jobs ')).toEqual([['job-k0000000', 'job-kwmln13k', 'job-kx000000', 'job-kz000000'], '']);
    expect(complete('/agent d')).toEqual([['deploy'], 'd']);
    expect(complete('/run t')).toEqual([['test-file', 'tidy'], 't']);
    expect(complete('/run te')).toEqual([['test-file'], 'te']);
    expect(complete('/help x')).toEqual([[], 'x']);
  });

  it('completes /follow with all, mine and any job', () => {
    expect(complete('/fol')).toEqual([['/follow '], '/fol']);
    expect(complete('/follow m')).toEqual([['mine'], 'm']);
    expect(complete('/follow a')).toEqual([['all'], 'a']);
    expect(complete('/follow kz')).toEqual([['kz000000'], 'kz']);
    expect(complete('/follow ')).toEqual([['all', 'mine', 'job-k0000000', 'job-kwmln13k', 'job-kx000000', 'job-kz000000'], '']);
  });

  it('names the nearest command when one is unknown', () => {
    expect(describeUnknownCommand('foo')).toBe('Unknown command /foo. Type /help for commands.');
    expect(describeUnknownCommand('cancle')).toBe('Unknown command /cancle. Type /help for commands. Did you mean /cancel?');
  });

  it('names the command that does what another tool\'s name does: /show is /jobs ID', () => {
    expect(describeUnknownCommand('show')).toBe('Unknown command /show. Type /help for commands. Did you mean /jobs <id>?');
    expect(describeUnknownCommand('Stop')).toBe('Unknown command /Stop. Type /help for commands. Did you mean /cancel <id>?');
    expect(describeUnknownCommand('ls')).toBe('Unknown command /ls. Type /help for commands. Did you mean /jobs?');
    expect(describeUnknownCommand('constructor')).toBe('Unknown command /constructor. Type /help for commands.');
    // Every alias names a command that exists, and none hides one.
    const names = new Set(SLASH_COMMANDS.map((command) => command.name));
    for (const [alias, command] of Object.entries(COMMAND_ALIASES)) {
      expect(names.has(alias)).toBe(false);
      expect(names.has(/^\/(\w+)/.exec(command)![1]!)).toBe(true);
    }
  });
});
