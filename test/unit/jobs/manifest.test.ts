// The manifest of an ended job: built from the job and its tasks and runs, valid against the
// schema of job_manifest.json, and documented field by field in docs/MANIFEST.md.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildJobManifest, MAX_MANIFEST_FILES, MAX_MANIFEST_OUTPUT_CHARS } from '../../../src/jobs/model/manifest.js';
import { buildManifestSchema } from '../../../src/store/manifest-file.js';
import { hashEffectiveConfig, hasJustEnded } from '../../../src/jobs/service/job-manifests.js';
import type { Run, Task } from '../../../src/jobs/model/task.js';
import { makeJob } from '../../helpers/jobs.js';

const PROVENANCE = { joblineVersion: '0.1.0', agent: 'build', configHash: `sha256:${'a'.repeat(64)}` };
const DOC = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'MANIFEST.md'), 'utf8');

function task(id: string, status: Task['status'], filesModified: string[] = []): Task {
  return { id, phase: 0, title: id, input: id, status, dependsOn: [], claims: [], attempts: 1, result: null, filesModified };
}

function run(id: string, taskId: string, state: Run['state']): Run {
  return { id, taskId, attempt: 1, worker: 'build[ab12-0]', startedAt: '2026-12-02T10:00:01.000Z', state, output: { file: 'output.log', section: id } };
}

describe('job manifests', () => {
  it('sums up an ended job: times, phases, tasks and runs by outcome, files, its last output', () => {
    const job = makeJob({
      status: 'failed', startedAt: '2026-12-02T10:00:01.000Z', endedAt: '2026-12-02T10:00:31.500Z', createdAt: '2026-12-02T10:00:00.000Z', error: 'phase plan failed', name: 'mango-crave-pulse',
      phases: [
        { name: 'analyze', status: 'completed', attempts: 1, startedAt: '2026-12-02T10:00:01.000Z', endedAt: '2026-12-02T10:00:11.000Z', output: 'found it', error: null, changes: { before: 'a'.repeat(40), after: 'b'.repeat(40), files: [{ path: 'src/b.ts', added: 2, removed: 1 }], moreFiles: 2 } },
        { name: 'plan', status: 'failed', attempts: 2, startedAt: '2026-12-02T10:00:20.000Z', endedAt: '2026-12-02T10:00:31.500Z', output: '', error: 'exit 1', changes: null },
        { name: 'implement', status: 'pending', attempts: 0, startedAt: null, endedAt: null, output: null, error: null, changes: null },
      ],
    });
    const board = {
      tasks: [task('t1', 'done', ['src/a.ts', 'src/b.ts']), task('t2', 'failed'), task('t3', 'todo'), task('t4', 'cancelled')],
      runs: [run('r1', 't1', { status: 'succeeded', endedAt: '2026-12-02T10:00:11.000Z' }), run('r2', 't2', { status: 'failed', endedAt: '2026-12-02T10:00:21.000Z', error: 'exit 1' }), run('r3', 't2', { status: 'interrupted', endedAt: '2026-12-02T10:00:22.000Z', reason: 'gone' })],
    };
    const manifest = buildJobManifest(job, board, PROVENANCE);
    expect(manifest).toMatchObject({
      manifestVersion: 2, id: job.id, name: 'mango-crave-pulse', status: 'failed', queuedMs: 1000, durationMs: 30_500, error: 'phase plan failed',
      tasks: { total: 4, done: 1, failed: 1, cancelled: 1, notRun: 1 },
      runs: { total: 3, succeeded: 1, failed: 1, interrupted: 1, cancelled: 0, running: 0 },
      filesModified: ['src/a.ts', 'src/b.ts'], moreFilesModified: 0, finalOutput: 'found it', template: null, provenance: PROVENANCE,
    });
    expect(manifest.phases.map((phase) => [phase.name, phase.durationMs, phase.filesChanged])).toEqual([['analyze', 10_000, 3], ['plan', 11_500, 0], ['implement', null, 0]]);
    expect(buildManifestSchema().safeParse(manifest).success).toBe(true);
  });

  it('counts not-run tasks apart from waiting ones, and carries the job\'s tokens and budget (null without)', () => {
    const base = makeJob({ status: 'cancelled' });
    const job = { ...base, budget: { tokens: 1000, usd: 2 }, progress: { ...base.progress, usage: { input: 300, output: 20, cached: 5, costUsd: 0.01 } } };
    const manifest = buildJobManifest(job, { tasks: [task('t1', 'cancelled'), task('t2', 'cancelled'), task('t3', 'todo'), task('t4', 'claimed'), task('t5', 'cancelled')], runs: [] }, PROVENANCE);
    expect(manifest.tasks).toEqual({ total: 5, done: 0, failed: 0, cancelled: 3, notRun: 2 });
    expect(manifest).toMatchObject({ usage: { input: 300, output: 20, cached: 5, costUsd: 0.01 }, budget: { tokens: 1000, usd: 2 } });
    expect(buildJobManifest({ ...base, budget: null }, { tasks: [], runs: [] }, PROVENANCE)).toMatchObject({ usage: null, budget: null });
  });

  it('keeps the first files and the end of a long output, and counts what it leaves out', () => {
    const files = Array.from({ length: MAX_MANIFEST_FILES + 5 }, (_, index) => `f${String(index).padStart(5, '0')}`);
    const job = makeJob({ status: 'completed', phases: [{ name: 'run', status: 'completed', attempts: 1, startedAt: null, endedAt: null, output: `${'x'.repeat(MAX_MANIFEST_OUTPUT_CHARS)}END`, error: null, changes: null }] }, ['run']);
    const manifest = buildJobManifest(job, { tasks: [task('t1', 'done', files)], runs: [] }, PROVENANCE);
    expect(manifest.filesModified).toHaveLength(MAX_MANIFEST_FILES);
    expect(manifest.moreFilesModified).toBe(5);
    expect(manifest.finalOutput).toHaveLength(MAX_MANIFEST_OUTPUT_CHARS);
    expect(manifest.finalOutput!.endsWith('END')).toBe(true);
    expect(manifest.durationMs).toBeNull();
  });

  it('is written for an end, not for an interruption (a resumed job gets one when it ends)', () => {
    expect(hasJustEnded('running', 'completed')).toBe(true);
    expect(hasJustEnded('awaiting_approval', 'cancelled')).toBe(true);
    expect(hasJustEnded('queued', 'failed')).toBe(true);
    expect(hasJustEnded('running', 'interrupted')).toBe(false);
    expect(hasJustEnded('completed', 'completed')).toBe(false);
    expect(hasJustEnded('running', 'awaiting_approval')).toBe(false);
  });

  it('hashes the effective configuration whatever the order of its keys, and tells two configurations apart', () => {
    const job = makeJob();
    expect(hashEffectiveConfig(job, { a: 1, b: { c: 2, d: 3 } })).toBe(hashEffectiveConfig(job, { b: { d: 3, c: 2 }, a: 1 }));
    expect(hashEffectiveConfig(job, { a: 1 })).not.toBe(hashEffectiveConfig(job, { a: 2 }));
    expect(hashEffectiveConfig(job, { a: 1 })).not.toBe(hashEffectiveConfig({ ...job, workers: 3 }, { a: 1 }));
    expect(hashEffectiveConfig(job, {})).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('is documented in docs/MANIFEST.md field by field, with an example that is valid', () => {
    const shape = buildManifestSchema().shape;
    const documented = [...DOC.matchAll(/^\| `(\w+)` \|/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual(Object.keys(shape).sort());
    const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(DOC)![1]!);
    expect(buildManifestSchema().safeParse(example).error?.issues ?? []).toEqual([]);
  });
});
