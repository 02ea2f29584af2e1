// The tests Stryker runs against each mutant (npm run test:mutation): the fast, pure tests of the
// model, the scheduler and the job service (in-memory repository, scripted executor). No build,
// no threads, no processes: each run takes a second or two.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/jobs/{board-reload,job-state,parallel-tasks,board-index,task-plans,job-workers,task-board,scheduler,transitions,transition-table,transition-events,task-history,job-service,job-service-views,manager-faults,manager-details,phase-runs,storage-policy,job-writer,job-writer-durability,job-writer-checkpoint,coalesced-runs,job-id,last-details,external-workers-model,external-workers-service,external-workers-details,folder-workers,worker-dispatch,owner-steering,manifest,resume-plan}.test.ts'],
    testTimeout: 3_000,
  },
});
