// The interactive REPL: a typed line becomes a background job (the prompt comes back at once), a
// slash command inspects or steers jobs, and job events print above the prompt. Wires the
// job service (core) to the terminal (UI); it renders state and sends commands, never edits a job.
import { showInPager } from '../commands/pager.js';
import type { Isolation } from '../jobs/model/job.js';
import { formatJobLabel, formatRunLimit } from '../render/job-list.js';
import chalk from 'chalk';
import { assertAgentExists, listAgents, resolveAgent } from '../agents/resolve-agent.js';
import { formatConfigChanged, reloadConfig, stampOf, watchConfigFile, watchedConfigPath } from './config-reload.js';
import { createReplJobService, type AppContext } from '../commands/context.js';
import { askYesNo } from '../commands/keyed-select.js';
import { confirmLeaving } from './commands/quit.js';
import { getDefaultAgentName, getSecretEnvNames } from '../config/schema.js';
import { scrubberOf } from '../text/secrets.js';
import { installExitHandlers } from '../commands/exit-signals.js';
import { JoblineError, describeError } from '../errors.js';
import { isActiveStatus, type Job, type JobMode } from '../jobs/model/job.js';
import { sanitizeText } from '../render/text.js';
import { ApprovalPresenter } from './approvals.js';
import { startDiagnostics } from './diagnostics.js';
import { FollowFilter } from './follow.js';
import { feedJobEvents } from './job-feed.js';
import { formatAttached, formatAttachedJobs, formatSessionChange } from './server-notices.js';
import type { SessionChange } from '../client/failover-session.js';
import { SLASH_COMMANDS, describeUnknownCommand, findCommand } from './commands/index.js';
import { createCompleter } from './completer.js';
import { HISTORY_SIZE, appendHistory, getHistoryPath, loadHistory } from './history-file.js';
import { Notifier, formatNotification } from './notifications.js';
import type { ReplSession } from './session.js';
import { runStartupReview } from './startup-review.js';
import { Terminal } from './terminal.js';

/** Options of the REPL (from the command line). */
export interface ReplOptions {
  agent?: string;
  background?: boolean;
  version: string;
}

/** Returns the prompt: `jobline:<agent>> `, with `[bg]` when new jobs run in background mode. */
export function formatPrompt(agentName: string, mode: JobMode): string {
  return `jobline:${agentName}${mode === 'background' ? '[bg]' : ''}> `;
}

/**
 * Runs the REPL until the user leaves; then every active job is marked interrupted and the
 * process exits. Colour follows NO_COLOR / FORCE_COLOR (chalk). Never resolves.
 * @throws AgentError AGENT_UNKNOWN for an unknown --agent, before anything starts.
 */
export async function startRepl(context: AppContext, options: ReplOptions): Promise<never> {
  // `context.config` is the config in use: /reload replaces it (read it there, not once).
  const { config, cwd } = context;
  const isInteractive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  let agentName = options.agent ?? getDefaultAgentName(config);
  assertAgentExists(agentName, config);
  let mode: JobMode = options.background ? 'background' : config.mode;
  let workers: number | null = null;
  let isolation: Isolation | null = null;
  let base: 'head' | 'worktree' = 'head';
  // The REPL says once that a job's worktree leaves out the user's uncommitted changes.
  let hasSaidLeftOut = false;
  // That a job asked for more workers than this machine runs at once is said once a session.
  let hasSaidRunLimit = false;
  let model: string | null = null;
  // Requests from other processes (jobline cancel, approve, retry) are carried out and said. A
  // server that goes or comes is said too (once the terminal is there to say it).
  let onSessionChange = (_change: SessionChange): void => {};
  const service = await createReplJobService(context, (id, request, error) => {
    const verb = { cancel: 'Cancelled', approve: 'Approved', retry: 'Retrying' }[request.type];
    notify(formatNotification(id, '↪', error ? `A ${request.type} from another terminal was refused: ${error}` : `${verb} from another terminal (jobline ${request.type})`));
  }, (change) => onSessionChange(change));
  const historyPath = getHistoryPath();
  const terminal = new Terminal({
    input: process.stdin,
    output: process.stdout,
    isTTY: isInteractive,
    prompt: formatPrompt(agentName, mode),
    history: isInteractive ? loadHistory(historyPath) : [],
    historySize: HISTORY_SIZE,
    completer: createCompleter(SLASH_COMMANDS, service, () => context.config),
  });
  // Everything the REPL prints passes the scrubber: jobs in memory are not scrubbed as their files are.
  const scrubber = scrubberOf(getSecretEnvNames(config));
  const scrub = (text: string): string => scrubber.scrub(text);
  const print = (text: string): void => terminal.print(scrub(text));
  // While the REPL answers a line (or runs the startup review), job notifications wait, so its
  // own reply ("✅ Started job-…", "🚫 Cancelled job-…") comes right under what the user typed.
  // What waits is kept in order: lines to print, and decisions on what to print (job-feed.ts).
  let held: Array<() => void> | null = null;
  const notify = (text: string): void => void (held ? held.push(() => print(text)) : print(text));
  const holdNotifications = async (task: () => Promise<void>): Promise<void> => {
    held = [];
    // A completed job whose notification is held here keeps its files until it is printed.
    const releaseRemovals = service.lifecycle.holdRemovals();
    try {
      await task();
    } finally {
      const waiting = held;
      held = null;
      for (const show of waiting) show();
      releaseRemovals();
    }
  };
  const notifier = new Notifier(notify, () => process.stdout.columns ?? 200);
  // Standalone, every job of the session is this REPL's; attached, those it started or answered.
  const follow = new FollowFilter((id) => !service.attachedServer && service.isInSession(id));
  const approvals = new ApprovalPresenter(service, terminal, print, (id) => follow.adopt(id, 'answered'), scrub);
  feedJobEvents({
    service, follow, notifier, terminal, isInteractive, notify,
    get config() { return context.config; },
    deferWhileAnswering: (decide) => (held ? held.push(decide) > 0 : false),
    approvalRequested: (id) => approvals.enqueue(id),
    width: () => process.stdout.columns ?? 200,
  });
  service.on('warning', (message) => print(chalk.yellow(`warning: ${message}`)));
  // Approvals the server's jobs wait on are asked here, as if they had just been requested.
  const askWaitingApprovals = (jobs: readonly Job[]): void => {
    if (isInteractive) for (const job of jobs) if (job.status === 'awaiting_approval') approvals.enqueue(job.id);
  };
  onSessionChange = (change) => {
    for (const line of formatSessionChange(change)) print(line);
    if (change.type === 'attached') askWaitingApprovals(change.activeJobs);
  };

  const writeDiagnostics = startDiagnostics();
  let quitting: Promise<never> | null = null;
  const quit = (code = 0): Promise<never> => {
    quitting ??= (async () => {
      writeDiagnostics();
      approvals.dispose();
      notifier.dispose();
      const attached = service.attachedServer;
      const staying = attached ? service.sessionJobs().filter((job) => isActiveStatus(job.status)) : [];
      const marked = await service.lifecycle.shutdown();
      terminal.close();
      if (isInteractive) process.stdout.write('\n'); // leave the prompt's line to the shell
      if (marked.length > 0) process.stdout.write(`Marked ${marked.length} active job(s) interrupted; the next start offers to resume them.\n`);
      if (staying.length > 0) process.stdout.write(`${formatAttachedJobs(staying, attached!.pid)}; they carry on there, and jobline shows them again.\n`);
      process.exit(code);
    })();
    return quitting;
  };
  // SIGTERM and SIGHUP (and SIGINT when not on a terminal, where Ctrl+C is a real signal).
  installExitHandlers(service.lifecycle, () => terminal.close());

  // A change to the config file is said once (with the hint), until /reload reads it; what
  // /reload itself read is no change.
  let configFile = watchedConfigPath(context);
  let loadedStamp = stampOf(configFile);
  let isChangeSaid = false;
  const onConfigChange = (stamp: string): void => {
    if (stamp === loadedStamp || isChangeSaid) return;
    isChangeSaid = true;
    notify(chalk.yellow(formatConfigChanged(configFile)));
  };
  let stopWatching = watchConfigFile(configFile, onConfigChange);

  const session: ReplSession = {
    service,
    get config() { return context.config; },
    commands: SLASH_COMMANDS,
    get agentName() { return agentName; },
    get mode() { return mode; },
    isInteractive,
    setAgent: (name) => {
      agentName = name;
      terminal.setPrompt(formatPrompt(agentName, mode));
    },
    setMode: (next) => {
      mode = next;
      terminal.setPrompt(formatPrompt(agentName, mode));
    },
    get workers() { return workers; },
    get model() { return model; },
    setModel: (next) => {
      model = next;
    },
    setWorkers: (next) => {
      workers = next;
    },
    get isolation() { return isolation; },
    setIsolation: (next) => {
      isolation = next;
    },
    get base() { return base; },
    setBase: (next) => {
      base = next;
    },
    cwd,
    submit: async (prompt, extra = {}) => {
      const { agentName: agentOfJob = agentName, mode: modeOfJob = mode, workers: workersOfJob = workers ?? undefined, ...rest } = extra;
      const agent = resolveAgent(agentOfJob, context.config, cwd, context.configPath);
      // The session's model (/model) for an LLM agent's job, unless a template names one.
      const modelOfJob = rest.model ?? (agent.type === 'llm' ? model : null);
      const { job, queuePosition, notice, runLimit } = await service.dispatch({ type: 'submit', agent, prompt, mode: modeOfJob, cwd, ...(workersOfJob ? { workers: workersOfJob } : {}), ...(isolation ? { isolation } : {}), base, ...rest, ...(modelOfJob ? { model: modelOfJob } : {}) });
      follow.adopt(job.id, 'started');
      const named = formatJobLabel(job);
      const where = job.worktree ? ` in worktree ${job.worktree.branch}` : '';
      print(queuePosition === 0 ? `✅ Started ${named} (${agent.name}${job.workers > 1 ? ` × ${job.workers} workers` : ''})${where}` : `⏳ Queued ${named} (position ${queuePosition})${where}`);
      if (notice && !hasSaidLeftOut) {
        hasSaidLeftOut = true;
        print(`ℹ️  ${notice}`);
      }
      if (runLimit !== undefined && !hasSaidRunLimit) {
        hasSaidRunLimit = true;
        print(`ℹ️  ${formatRunLimit(`${job.workers} workers`, runLimit)}`);
      }
    },
    print,
    showPaged: async (text) => {
      if (!isInteractive) return print(text.trimEnd());
      await terminal.suspend(() => showInPager(text, process.stdout));
    },
    confirm: async (message, fallback, options = {}) => {
      if (!isInteractive) return fallback;
      return terminal.suspend(async () => {
        const isYes = await askYesNo(message, false, process.stdout);
        // Leaving: decided before the suspend ends, which would draw the prompt again.
        if (isYes && options.isLeaving) terminal.stopPrompting();
        return isYes;
      });
    },
    runForeground: (task) => terminal.runForeground(task),
    muteOutputOf: (id) => notifier.mute(id),
    get following() { return follow.following; },
    setFollowing: (target) => follow.set(target),
    adoptJob: (id, reason) => follow.adopt(id, reason),
    quit: () => quit(0),
    reloadConfig: () => {
      const lines = reloadConfig(context);
      if (!listAgents(context.config).some((agent) => agent.name === agentName)) lines.push(`The agent ${agentName} is gone from the config: /agent picks another (new jobs would fail).`);
      if (watchedConfigPath(context) !== configFile) {
        stopWatching();
        configFile = watchedConfigPath(context);
        stopWatching = watchConfigFile(configFile, onConfigChange);
      }
      loadedStamp = stampOf(configFile);
      isChangeSaid = false;
      return lines;
    },
  };

  const handleLine = async (line: string): Promise<void> => {
    const text = line.trim();
    if (text === '') return;
    if (isInteractive) appendHistory(historyPath, line);
    await holdNotifications(() => answerLine(text));
  };

  const answerLine = async (text: string): Promise<void> => {
    try {
      if (text.startsWith('/')) {
        const name = text.slice(1).split(/\s/, 1)[0] ?? '';
        const command = findCommand(name);
        if (command) await command.run(text.slice(1 + name.length).trim(), session);
        else print(sanitizeText(describeUnknownCommand(name)));
        return;
      }
      await session.submit(text);
    } catch (error) {
      // Messages may quote what was typed: made inert like any other text before printing.
      if (error instanceof JoblineError) print(chalk.red(error.code === 'JOBS_BUSY' ? `⛔ ${error.message}` : `error: ${sanitizeText(error.message)}`));
      else print(chalk.red(`internal error (please report): ${error instanceof Error ? (error.stack ?? error.message) : describeError(error)}`));
    }
  };

  if (isInteractive) {
    print(`${chalk.bold('jobline')} ${options.version} · agent ${chalk.bold(agentName)} · ${mode} mode · up to ${config.maxConcurrentJobs} jobs at once`);
    print(chalk.dim('Type a prompt to start a job, /help for commands.'));
  }
  // Said on a pipe too: a script reading the output learns where its jobs run.
  const attached = service.attachedServer;
  if (attached) {
    print(formatAttached(attached.pid));
    const active = service.sessionJobs().filter((job) => isActiveStatus(job.status));
    if (active.length > 0) print(formatAttachedJobs(active, attached.pid));
    askWaitingApprovals(active);
  }
  const review = holdNotifications(() => runStartupReview({ service, terminal, print, isInteractive, mode: () => mode, resumed: (id) => follow.adopt(id, 'started') }));

  // Lines run one at a time, in order, and only after the startup review: piped input behaves
  // like typed input, and a line typed during a foreground command (/watch, /logs -f) waits for it.
  // A queue and one loop, not a chain of promises: piped input may queue 100,000 lines at once,
  // and V8 walks a whole promise chain to capture the stack of every error created inside it.
  const queued: string[] = [];
  let nextLine = 0;
  let draining: Promise<void> = review;
  let isDraining = false;
  const drain = async (): Promise<void> => {
    try {
      await review;
      while (nextLine < queued.length) {
        const line = queued[nextLine]!;
        queued[nextLine++] = '';
        await handleLine(line);
        terminal.prompt();
        approvals.presentWhenIdle();
      }
      queued.length = 0;
      nextLine = 0;
    } finally {
      isDraining = false; // in the same synchronous step as the last check of the queue
    }
  };
  let isCtrlCArmed = false;
  terminal.on('line', (line) => {
    isCtrlCArmed = false;
    queued.push(line);
    if (isDraining) return;
    isDraining = true;
    draining = drain();
  });
  terminal.on('interrupt', () => {
    if (terminal.line !== '') {
      terminal.clearLine();
      isCtrlCArmed = false;
      return;
    }
    if (isCtrlCArmed) {
      isCtrlCArmed = false;
      void confirmLeaving(session).then((isLeaving) => (isLeaving ? quit(0) : terminal.prompt()));
      return;
    }
    isCtrlCArmed = true;
    print(chalk.dim('(To exit, press Ctrl+C again or Ctrl+D, or type /quit)'));
  });
  // Ctrl+D: like /quit (asking first while jobs are active), once every line has run; answered
  // no, the terminal takes input again. The end of piped input
  // (`jobline < prompts.txt`) runs what it was given: it waits for the jobs to stop running (a
  // job left awaiting approval has nobody to answer it and is interrupted) and exits 0 only if
  // every job of the session completed. A signal still interrupts them meanwhile.
  terminal.on('end', () => void draining.then(async () => {
    if (isInteractive) return (await confirmLeaving(session)) ? quit(0) : terminal.prompt();
    await service.lifecycle.whenNothingRuns();
    // The jobs it started, wherever they ran (a server may have gone meanwhile); one the storage
    // policy removed had completed.
    const started = await Promise.all(follow.startedJobs().map((id) => service.sessionJob(id) ?? service.get(id).catch(() => null)));
    return quit(started.every((job) => job === null || job.status === 'completed') ? 0 : 1);
  }));

  await review;
  terminal.prompt();
  return new Promise<never>(() => {});
}
