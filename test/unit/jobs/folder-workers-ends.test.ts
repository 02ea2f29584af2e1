// External jobs without a server, at their edges: a job's manifest is written when it ends (and
// only then; a manifest that cannot be written does not undo the end), a command sets no lease
// timer (a `jobline task …` process exits; a lapsed lease is found at the next change), and a
// long bad name is quoted cut to 80 characters.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createExternalAgent } from '../../../src/agents/builtin-agents.js';
import { FolderWorkers } from '../../../src/jobs/service/folder-workers.js';
import { InMemoryRepository, makeFakeManager, makeInMemoryReader } from '../../helpers/fakes.js';

const plan = (title: string) => ({ title, input: `do ${title}`, dependsOn: [], claims: [] });

function setup(leaseMs = 1000) {
  const store = new InMemoryRepository();
  const folder = new FolderWorkers(store, makeInMemoryReader(store), () => new Date('2026-12-02T10:00:00.000Z'), leaseMs);
  return { store, folder };
}

describe('an external job on the folder', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gets its manifest when it ends, not before', async () => {
    const { store, folder } = setup();
    const { id } = folder.create({ name: 'nightly', tasks: [plan('a')], cwd: '/p' });
    const { worker } = await folder.workers.join(id, 'dev');
    const { token } = (await folder.workers.claim(id, worker.name))!;
    await folder.workers.endTask(id, 't1', { token, summary: 'ok' });
    expect(store.manifests.has(id)).toBe(false);
    await folder.workers.close(id, 'completed');
    expect(store.manifests.get(id)).toMatchObject({ id, status: 'completed', provenance: { agent: 'external', configHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) } });
    expect(store.manifests.get(id)!.tasks).toEqual({ total: 1, done: 1, failed: 0, cancelled: 0, notRun: 0 });
  });

  it('hashes its configuration as a server does for the same job (the external agent\'s definition)', async () => {
    const { store, folder } = setup();
    const { id } = folder.create({ name: null, tasks: [plan('a')], cwd: '/p' });
    await folder.workers.close(id, 'completed');
    const { manager, store: served } = makeFakeManager();
    const { job } = await manager.submit({ agent: createExternalAgent(), prompt: '', mode: 'background', cwd: '/p', tasks: [plan('a')] });
    await manager.workers.close(job.id, 'completed');
    expect(store.manifests.get(id)!.provenance.configHash).toBe(served.manifests.get(job.id)!.provenance.configHash);
    await manager.shutdown();
  });

  it('ends even when its manifest cannot be written', async () => {
    const { store, folder } = setup();
    store.writeManifestSync = () => {
      throw new Error('ENOSPC');
    };
    const { id } = folder.create({ name: null, tasks: [], cwd: '/p' });
    await folder.workers.close(id, 'failed', 'gave up');
    expect(store.loadStored(id)).toMatchObject({ status: 'failed', error: 'gave up' });
  });

  it('sets no lease timer: a silent worker stays until the next change finds its lease ran out', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { store, folder } = setup(1000);
    const { id } = folder.create({ name: null, tasks: [plan('a')], cwd: '/p' });
    const { worker } = await folder.workers.join(id, 'dev');
    await vi.advanceTimersByTimeAsync(5000);
    expect(store.loadStored(id).joinedWorkers!.map((joined) => joined.name)).toEqual([worker.name]);
  });

  it('refuses a name that is not one, quoting at most 80 of its characters', () => {
    const { folder } = setup();
    const long = `${'x'.repeat(90)} y`;
    expect(() => folder.create({ name: long, tasks: [], cwd: '/p' })).toThrow(`${JSON.stringify('x'.repeat(80))} is not a job name: letters, digits, _ . - (up to 80), starting with a letter or digit.`);
  });
});
