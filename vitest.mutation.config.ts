// The tests Stryker runs against each mutant (npm run test:mutation): the fast, pure tests of the
// model, the scheduler and the job service (in-memory repository, scripted executor), and the
// fast tests of the store (temp folders, real files), the server (Hono's app.request in-process,
// no port), the text helpers, and the front ends' pure parts (renderers, the REPL's completion and
// notices). No build, no threads, no processes, no network: each file takes a second or two.
import { defineConfig } from 'vitest/config';

const jobs = [
  'board-reload', 'board-scan-cost', 'new-job', 'answer-files', 'owner-steering-waits', 'job-lookup-names', 'scheduler-edges', 'name-patterns', 'job-state', 'parallel-tasks', 'board-index', 'task-plans', 'job-workers', 'task-board', 'scheduler',
  'transitions', 'transition-table', 'transition-events', 'task-history', 'job-service', 'job-service-views',
  'manager-faults', 'manager-details', 'phase-runs', 'storage-policy', 'job-writer', 'job-writer-durability', 'job-writer-checkpoint',
  'coalesced-runs', 'job-id', 'last-details', 'external-workers-model', 'external-workers-service',
  'external-workers-details', 'folder-workers', 'worker-dispatch', 'owner-steering', 'manifest', 'resume-plan', 'usage', 'claim-paths', 'merge-queue', 'remote-runs', 'worktree-jobs', 'job-transcript', 'run-reports', 'phase-workspace', 'service-on-folder', 'job-time', 'job-lookup', 'task-order', 'storage-policy-runner', 'worker-commands', 'job-session', 'session-exit', 'job-naming', 'run-context', 'other-processes', 'remote-run-marks', 'resume-plan-cases', 'conflict-retry', 'job-commit', 'transitions-outcomes', 'task-transitions-outcomes', 'job-state-outcomes', 'job-model-rules', 'model-constants', 'load-time-tables', 'task-history-outcomes', 'job-ledger', 'job-transcript-views', 'manager-lifecycle', 'worktree-decisions', 'job-service-commands', 'merge-queue-steps', 'phase-scheduler', 'job-writer-options', 'phase-workspace-undo', 'phase-scheduler-writes',
];
// One job's handle as the manager drives it (runs' reports, budget, phase workspaces, requests).
jobs.push('job-handle', 'job-handle-workspace', 'job-handle-requests');
// The merge queue's landings as the jobs folder and other processes see them (durable steps, the claim, pauses).
jobs.push('merge-queue-landing');
// External workers' lease timers on a long-lived host, heartbeats, and refusals' words.
jobs.push('external-workers-leases');
// External jobs on the folder at their edges, orphan branches' landings, the resolve phase, the manifest's configuration hash.
jobs.push('folder-workers-ends', 'orphan-landing', 'resolve-phase', 'job-manifests-hash');
const store = ['claim-id', 'claim-lease', 'claim-faults', 'cleanup', 'folder-files', 'job-file', 'event-tail', 'event-tail-failures', 'crash-recovery', 'output-log', 'job-folder-reader', 'job-logs', 'job-names', 'job-requests', 'job-store-files', 'open-files', 'perform-write', 'jobs-dir', 'task-log'];
// The store's claims, names, inboxes and leftovers when the folder changes under them (faults injected at fs calls).
store.push('job-names-turns', 'claim-turns', 'index-turns');
const server = ['api-app', 'api-schemas', 'openapi-document', 'browser-access', 'dashboard-routes', 'event-hub', 'http-errors', 'job-routes', 'login-links', 'request-guard', 'route-table', 'stream-routes', 'stream-routes-transcript', 'stream-flush', 'worker-routes'];
const text = ['inert-text', 'json-error', 'nearest-name', 'secrets'];
// Fast tests of the front ends' pure parts, which read the model and the service as a user sees them.
const fronts = ['render/task-views', 'render/render', 'render/batch-summary', 'commands/approval-choices', 'commands/own-job-events', 'client/failover-session', 'repl/completer', 'repl/notifications', 'repl/follow'];

// Most test files share their worker's modules with the files before them (isolate: false):
// Stryker runs the tests covering each mutant again and again, and importing the job service's
// graph afresh for every file of every run cost more than the tests themselves (about four times as
// long a run, measured). Isolated: files that replace a module (vi.mock) or load modules afresh (vi.resetModules), and files that read the store's
// files through its parsers, whose schemas are built once per module and kept (a schema built
// while a mutant of it is active must not outlive that mutant's run).
const isolated = (file: string): boolean => file.startsWith('test/unit/store/') || ['jobs/job-transcript', 'jobs/job-transcript-views', 'jobs/remote-runs', 'jobs/task-history', 'jobs/service-on-folder', 'jobs/job-time', 'jobs/phase-workspace-undo', 'jobs/model-constants', 'jobs/load-time-tables'].some((name) => file === `test/unit/${name}.test.ts`);
const files = [
  ...jobs.map((name) => `test/unit/jobs/${name}.test.ts`),
  ...store.map((name) => `test/unit/store/${name}.test.ts`),
  ...server.map((name) => `test/unit/server/${name}.test.ts`),
  ...text.map((name) => `test/unit/text/${name}.test.ts`),
  ...fronts.map((name) => `test/unit/${name}.test.ts`),
];

export default defineConfig({
  test: {
    // Generous: a loaded machine made a dry run fail on a 1 s test at 3 s, which aborts the whole run.
    testTimeout: 10_000,
    // Fake managers stop with the test that made them: their leftovers would run outside any test.
    setupFiles: ['test/setup/settle-managers.ts'],
    projects: [
      { extends: true, test: { name: 'isolated', include: files.filter(isolated) } },
      { extends: true, test: { name: 'shared', include: files.filter((file) => !isolated(file)), isolate: false } },
    ],
  },
});
