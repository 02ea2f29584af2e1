// The jobline command line (started by cli.ts): wiring only. Parses arguments, loads the context,
// calls a command, and turns a JoblineError (a user mistake or environment problem) into one
// clear line, exit 2.
import { JOBLINE_VERSION } from './version.js';
import { formatTemplateList } from './render/template-list.js';
import { Command, Option } from 'commander';
import { batchCommand } from './commands/batch.js';
import { loadAppContext } from './commands/context.js';
import { listCommand } from './commands/list.js';
import { runCommand } from './commands/run.js';
import { showCommand } from './commands/show.js';
import { logsCommand } from './commands/logs.js';
import { tasksCommand } from './commands/tasks.js';
import { resumeCommand } from './commands/resume.js';
import { steerCommand } from './commands/steer.js';
import { waitCommand } from './commands/wait.js';
import { addWorkerCommands } from './commands/worker-cli.js';
import { addQueueCommands, queueOption } from './commands/queue-cli.js';
import { JoblineError, UsageError, describeError } from './errors.js';
import { MAX_RETRIES, MAX_WORKERS } from './jobs/model/job.js';
import { findNearestName } from './text/nearest-name.js';
import { sanitizeLine } from './render/text.js';
import { startRepl } from './repl/repl.js';
import { resumeInputOnContinue } from './commands/resume-input-on-continue.js';
import { waitForNotifyCommands } from './commands/notify-command.js';
import { diffCommand, discardCommand, mergeCommand } from './commands/worktree-cli.js';

const version = JOBLINE_VERSION;

const program = new Command('jobline')
  .description('Run agent jobs in background worker threads, with durable per-job state.')
  .version(version, '-v, --version', 'print the version')
  .showHelpAfterError('(run jobline --help for usage)')
  // Options before a command belong to the REPL; after it, to the command (`run -a check`).
  .enablePositionalOptions()
  // As `git -C` and `make -C`: `npm start -- -C ~/my-project` runs jobline on a project from its clone.
  .option('-C, --directory <dir>', 'run as if jobline was started in DIR (its .jobrc.json, and the folder jobs run in)');

// -C DIR (given before any command) takes effect before any command reads its folder.
program.hook('preAction', () => {
  const directory = program.opts<{ directory?: string }>().directory;
  if (directory !== undefined) changeDirectory(directory);
});

const configOption = (): Option => new Option('-c, --config <file>', 'config file (default: ./.jobrc.json, then ~/.jobrc.json)');
const isolationOption = (): Option => new Option('--isolation <where>', "where the job runs: 'worktree' (a git worktree of its own), 'task-worktree' (and each task of a phase of several in one too) or 'none' (in place); default: its agent's, else the config's").choices(['worktree', 'task-worktree', 'none']);
const baseOption = (): Option => new Option('--base <from>', "what a job in a worktree starts from: 'head' (your last commit; the default) or 'worktree' (with your uncommitted changes too, which never land)").choices(['head', 'worktree']);

// Makes `directory` the working folder (-C); a folder that is not there is the user's mistake.
function changeDirectory(directory: string): void {
  try {
    process.chdir(directory);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : code === 'EACCES' ? 'permission denied' : describeError(error);
    throw new UsageError('USAGE', `-C ${sanitizeLine(directory)}: ${why}.`, { cause: error });
  }
}

// A positive amount of dollars: anything else is the user's mistake, said in one line.
const parseUsd = (value: string): number => {
  const usd = /^\d{1,9}(\.\d{1,6})?$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!(usd > 0)) throw new UsageError('USAGE', `--budget-usd takes an amount of dollars above 0 (e.g. 5 or 2.50), not ${JSON.stringify(sanitizeLine(value))}.`);
  return usd;
};

// The budget options of the commands that start jobs (see Job.budget).
// A count of tokens, plain or with k or M (`500k`, `1.5M`).
const parseTokens = (value: string): number => {
  const match = /^(\d{1,10}(?:\.\d{1,3})?)([kKmM]?)$/.exec(value.trim());
  const tokens = match ? Math.round(Number(match[1]) * (match[2] === '' ? 1 : /k/i.test(match[2]!) ? 1000 : 1_000_000)) : Number.NaN;
  if (!(tokens >= 1 && tokens <= 1e12)) throw new UsageError('USAGE', `--budget-tokens takes a number of tokens (e.g. 200000, 500k or 1.5M), not ${JSON.stringify(sanitizeLine(value))}.`);
  return tokens;
};
const budgetTokensOption = (): Option => new Option('--budget-tokens <n>', 'stop before the next model call past N tokens (input + output; 500k, 1.5M) and ask to go on').argParser(parseTokens);
const modelOption = (): Option => new Option('--model <name>', 'the model an LLM agent runs for this job (default: the agent\'s, else its provider\'s)');
const budgetUsdOption = (): Option => new Option('--budget-usd <x>', 'stop before the next model call past $X (needs a price in the provider\'s config) and ask to go on').argParser(parseUsd);

// The config file: --config after the command, else before it (`jobline --config F run …`: the
// program's own option, which commander keeps apart from the command's).
const configOf = (options: { config?: string }): string | undefined => options.config ?? (program.opts() as { config?: string }).config;

// A whole-number option from `min` to `max`: anything else is the user's mistake, said in one line.
const parseCount = (name: string, min: number, max: number) => (value: string): number => {
  const count = /^\d{1,6}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!(count >= min && count <= max)) throw new UsageError('USAGE', `${name} takes a whole number from ${min} to ${max}, not ${JSON.stringify(sanitizeLine(value))}.`);
  return count;
};

// No command: the interactive REPL. A word where a command belongs is a mistyped command (exit 2
// with a suggestion), not commander's "too many arguments".
program
  .option('-a, --agent <name>', 'agent for new jobs (default: defaultAgent from the config)')
  .option('-b, --background', 'new jobs run every phase without asking for approval')
  .addOption(configOption())
  .addOption(queueOption())
  .allowExcessArguments(true)
  .action(async (options) => {
    const [typed] = program.args;
    if (typed !== undefined) {
      const nearest = findNearestName(typed, program.commands.map((command) => command.name()));
      throw new UsageError('USAGE', `unknown command '${sanitizeLine(typed)}'.${nearest ? ` Did you mean '${nearest}'?` : ''} Run jobline --help for the commands.`);
    }
    await startRepl(loadAppContext(configOf(options), undefined, options.queue), { ...options, version });
  });

program
  .command('run')
  .description('run one job in the foreground; exits 0 only if it completes')
  .argument('[prompt...]', 'the prompt (for the sh agent: the shell command); with --template, its key=value pairs')
  .option('-a, --agent <name>', 'agent to run (default: defaultAgent from the config)')
  .option('-t, --template <name>', 'make the job from a template of the config (jobline templates lists them)')
  .option('-n, --name <name>', 'the job\'s name (default: three random words, e.g. mango-crave-pulse)')
  .option('-b, --background', 'run every phase without asking for approval')
  .option('-y, --yes', 'approve every phase up front (same as --background)')
  .option('-j, --workers <n>', 'tasks of the job run at once (default: the agent\'s workers, else 1)', parseCount('--workers', 1, MAX_WORKERS))
  .option('--json', 'print the final job as JSON on stdout')
  .option('--raw', 'pass the job\'s escape sequences through (default: only its colours; cursor moves, titles, clipboard writes are removed)')
  .addOption(isolationOption())
  .addOption(baseOption())
  .addOption(budgetTokensOption())
  .addOption(budgetUsdOption())
  .addOption(modelOption())
  .addOption(configOption())
  .addOption(queueOption())
  .action(async (words: string[], options) => {
    process.exitCode = await runCommand(loadAppContext(configOf(options), undefined, options.queue), words, options);
  });

program
  .command('templates')
  .description('list the job templates of the config (jobline run --template NAME key=value …)')
  .addOption(configOption())
  .action((options) => {
    process.stdout.write(`${formatTemplateList(loadAppContext(configOf(options)).config)}\n`);
  });

program
  .command('batch')
  .description('run each non-empty line of FILE (or stdin) as a task of one background job, several at once')
  .argument('[file]', 'file of prompts, one per line; - or nothing for stdin')
  .option('-a, --agent <name>', 'agent to run (default: defaultAgent from the config)')
  .option('-j, --workers <n>', 'tasks run at once (default: maxWorkers from the config)', parseCount('--workers', 1, MAX_WORKERS))
  .option('--retries <n>', 'runs of a failed task beyond its first (default 0)', parseCount('--retries', 0, MAX_RETRIES))
  .option('--fail-fast', 'stop the lines not yet started at the first that fails (default: every line runs)')
  .option('--keep-going', 'does nothing: every line runs by default (kept for scripts)')
  .option('-n, --name <name>', 'the job\'s name (default: three random words, e.g. mango-crave-pulse)')
  .option('--json', 'print the final job as JSON on stdout (the summary goes to stderr)')
  .addOption(isolationOption())
  .addOption(baseOption())
  .addOption(budgetTokensOption())
  .addOption(budgetUsdOption())
  .addOption(modelOption())
  .addOption(configOption())
  .addOption(queueOption())
  .action(async (file: string | undefined, options) => {
    process.exitCode = await batchCommand(loadAppContext(configOf(options), undefined, options.queue), file, options);
  });

program
  .command('list')
  .description('list the jobs in the jobs folder, or only those with a status')
  .argument('[status]', 'a status (failed, running, awaiting_approval, ...), active or unfinished')
  .option('--json', 'print JSON')
  // 0.1 listed completed jobs only with --all; they are listed anyway now, and its scripts still pass it.
  .option('--all', 'does nothing: completed jobs are always listed (kept for scripts written for 0.1)')
  .addOption(configOption())
  .action(async (status: string | undefined, options) => {
    process.exitCode = await listCommand(loadAppContext(configOf(options)), status, options);
  });

program
  .command('show')
  .description('show one job in full')
  .argument('<id>', 'job id or name, or a unique prefix of one')
  .option('--json', 'print JSON')
  .option('-m, --manifest', 'print the job\'s manifest (job_manifest.json, written when it ends)')
  .addOption(configOption())
  .action(async (id: string, options) => {
    process.exitCode = await showCommand(loadAppContext(configOf(options)), id, options);
  });

const idArgument = ['<id>', 'job id or name, or a unique prefix of one'] as const;

program
  .command('merge')
  .description("land a completed job's worktree work on its target branch through the merge queue (one landing at a time per repository); exits 0 once it landed")
  .argument(...idArgument)
  .option('--json', 'print the job as JSON once the landing ended')
  .addOption(configOption())
  .action(async (id: string, options) => {
    process.exitCode = await mergeCommand(loadAppContext(configOf(options)), id, options);
  });

program
  .command('discard')
  .description("remove a job's worktree and branch (its work not landed is gone), after a confirmation that says what goes")
  .argument(...idArgument)
  .option('-y, --yes', 'do not ask')
  .option('--json', 'print the job as JSON once done')
  .addOption(configOption())
  .action(async (id: string, options) => {
    process.exitCode = await discardCommand(loadAppContext(configOf(options)), id, options);
  });

program
  .command('diff')
  .description("a job's whole change in its worktree against where it started")
  .argument(...idArgument)
  .option('--stat', 'a diffstat instead of the patch')
  .addOption(configOption())
  .action(async (id: string, options) => {
    process.exitCode = await diffCommand(loadAppContext(configOf(options)).jobs, id, options);
  });

program
  .command('tasks')
  .description("list a job's tasks (running, failed and waiting first): status, worker, runs, duration, claims")
  .argument(...idArgument)
  .option('-s, --status <statuses>', 'only tasks of these statuses: failed, running, waiting, done, not-run (several: failed,running)')
  .option('--json', 'print JSON: the tasks in that order, each with its runs')
  .addOption(configOption())
  .action(async (id: string, options) => {
    process.exitCode = await tasksCommand(loadAppContext(configOf(options)), id, options);
  });

program
  .command('logs')
  .description("print a job's whole output in time order (lines of tasks run side by side marked t3 │), one task's runs, or the failed runs'; -f follows it until the job ends")
  .argument(...idArgument)
  .argument('[task]', 'a task of the job: its id (t3), its title, or a unique prefix of its title (as --task)')
  .option('-t, --task <task>', "only this task's runs")
  .option('--failed', 'only the output of the failed runs')
  .option('-f, --follow', 'keep printing until the job (the task) ends')
  .addOption(configOption())
  .action(async (id: string, task: string | undefined, options) => {
    if (task && options.task && task !== options.task) throw new UsageError('USAGE', `Two tasks given (${task} and --task ${options.task}): give one.`);
    process.exitCode = await logsCommand(loadAppContext(configOf(options)), id, { ...options, ...(task ? { task } : {}) });
  });

for (const [name, description] of [
  ['cancel', 'cancel a queued, running or waiting job (its owner stops it)'],
  ['approve', 'approve the phase a job waits on; the next phase starts'],
] as const) {
  program
    .command(name)
    .description(description)
    .argument(...idArgument)
    .option('--json', 'print the job as JSON once done')
    .addOption(configOption())
    .action(async (id: string, options) => {
      process.exitCode = await steerCommand(loadAppContext(configOf(options)), id, { type: name }, options);
    });
}

program
  .command('retry')
  .description('run the phase a job waits on again, optionally with feedback for the agent')
  .argument(...idArgument)
  .option('--feedback <text>', 'what the agent should do differently ($JOB_FEEDBACK for command agents)')
  .option('--keep', 'keep the changes of the attempt (an LLM agent\'s retry otherwise starts from the files as they were before the phase)')
  .option('--json', 'print the job as JSON once done')
  .addOption(configOption())
  .action(async (id: string, options) => {
    process.exitCode = await steerCommand(loadAppContext(configOf(options)), id, { type: 'retry', feedback: options.feedback ?? null, ...(options.keep ? { keep: true } : {}) }, options);
  });

program
  .command('resume')
  .description('take over an interrupted, failed or cancelled job and run it in the foreground; exits like run')
  .argument(...idArgument)
  .option('-b, --background', 'run every phase without asking for approval')
  .option('-y, --yes', 'approve every phase up front (same as --background)')
  .option('--retry-failed', 'run failed tasks again too (a job that failed because of them retries them anyway)')
  .option('--json', 'print the final job as JSON on stdout')
  .option('--raw', 'pass the job\'s escape sequences through (default: only its colours)')
  .addOption(isolationOption())
  .addOption(modelOption())
  .addOption(configOption())
  .addOption(queueOption())
  .action(async (id: string, options) => {
    process.exitCode = await resumeCommand(loadAppContext(configOf(options), undefined, options.queue), id, options);
  });

program
  .command('wait')
  .description('wait until the jobs end; exits 0 only if all completed')
  .argument('<ids...>', 'job ids or unique prefixes')
  .option('--json', 'print the jobs as JSON once all ended')
  .addOption(configOption())
  .action(async (ids: string[], options) => {
    process.exitCode = await waitCommand(loadAppContext(configOf(options)), ids, options);
  });

program
  .command('serve')
  .description('run the job service without a terminal: jobs outlive the REPL; a REST API and live events on a Unix socket in the jobs folder (and --port on 127.0.0.1)')
  .option('-p, --port <n>', 'also listen on HTTP at 127.0.0.1:<n> (0: any free port)', parseCount('--port', 0, 65_535))
  .addOption(configOption())
  .addOption(queueOption())
  .action(async (options) => {
    // Loaded only here: the HTTP stack costs every other command nothing at startup.
    const { serveCommand } = await import('./commands/serve.js');
    await serveCommand(loadAppContext(configOf(options), undefined, options.queue), { port: options.port, version });
  });

program
  .command('ui')
  .description('the web dashboard: starts jobline serve if none runs, and prints (and opens) a one-time login link')
  .option('-p, --port <n>', "HTTP port on 127.0.0.1 (default 4780, else any free one)", parseCount('--port', 0, 65_535))
  .option('--no-open', 'print the link without opening a browser')
  .addOption(configOption())
  .action(async (options) => {
    const { uiCommand } = await import('./commands/ui.js');
    process.exitCode = await uiCommand(loadAppContext(configOf(options)), { port: options.port, ...(options.open === false ? { open: false } : {}) });
  });

addWorkerCommands(program, configOption);
addQueueCommands(program, configOption);

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
// A notify command a job's end started (notifyCommand) gets a few seconds to finish and report.
await waitForNotifyCommands(5000);
await new Promise<void>((resolve) => process.stdout.write('', () => process.stderr.write('', () => resolve())));
process.exit();
