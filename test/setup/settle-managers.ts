// Every fake manager a test made (makeFakeManager in test/helpers/fakes.ts) is shut down inside that
// test's afterEach, its scripted runs ended first: a job it left running (its scheduler's timers,
// its writes, the storage policy's pass) must not act during the next test or file. Stryker also
// counts code run outside any test as static, and each static mutant costs a whole run of the suite.
import { afterEach } from 'vitest';

afterEach(async () => {
  const managers = (globalThis as { __joblineFakeManagers?: Set<() => Promise<unknown>> }).__joblineFakeManagers;
  if (!managers) return;
  const shutDowns = [...managers];
  managers.clear();
  for (const shutDown of shutDowns) await shutDown();
});
