// The config while the REPL runs, in a real pseudo-terminal: a change to the config file is said
// once, with the hint; /reload reads it, and an agent added there runs without a restart.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PtySession, makeReplWorkspace } from '../helpers/pty.js';
import { waitFor } from '../helpers/wait.js';

describe('REPL: the config while it runs', () => {
  it('says a change to the config file once, and /reload makes a new agent available', async () => {
    const workspace = makeReplWorkspace();
    const configPath = join(workspace.cwd, '.jobrc.json');
    const one = { type: 'command', phases: [{ name: 'run', run: 'echo "one says $JOB_PROMPT"' }] };
    writeFileSync(configPath, JSON.stringify({ mode: 'background', agents: { one } }));
    const session = new PtySession(workspace, [], 110, 40);
    await session.waitForText('jobline:sh[bg]> ');
    session.send('/agent two');
    await session.waitForText(/Unknown agent 'two'/);

    // Two writes, a moment apart: said once, with the hint.
    writeFileSync(configPath, JSON.stringify({ mode: 'background', agents: { one, two: { type: 'command', phases: [{ name: 'run', run: 'echo "two says $JOB_PROMPT"' }] } } }));
    await session.waitForText(`${configPath} changed: /reload to use it`);
    writeFileSync(configPath, JSON.stringify({ mode: 'background', maxConcurrentJobs: 5, agents: { one, two: { type: 'command', phases: [{ name: 'run', run: 'echo "two says $JOB_PROMPT"' }] } } }));
    session.send('/agents');
    await session.waitForText(/one\s/);
    // The watcher looks twice a second: a second notice would be on screen by now.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await session.count(/changed: \/reload to use it/)).toBe(1);

    session.send('/reload');
    await session.waitForText(`Reloaded ${configPath}: agents`);
    await session.waitForText('(new: two)');
    await session.waitForText('maxConcurrentJobs changed: it applies from the next start.');
    session.send('/agent two');
    await session.waitForText('jobline:two[bg]> ');
    session.send('hello');
    await session.waitForText('│ two says hello');

    // A change after the reload is said again (once).
    writeFileSync(configPath, JSON.stringify({ mode: 'background', agents: { one } }));
    await waitFor(async () => (await session.count(/changed: \/reload to use it/)) === 2, 'the second change to be said', 10_000);
    session.send('/quit');
    await session.exited;
  }, 40_000);
});
