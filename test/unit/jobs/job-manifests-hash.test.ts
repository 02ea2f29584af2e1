// The hash of a job's effective configuration in its manifest: a job made from a template hashes
// apart from one that was not, and a job that records no template hashes as one that records none.
import { describe, expect, it } from 'vitest';
import { hashEffectiveConfig } from '../../../src/jobs/service/job-manifests.js';
import { makeJob } from '../../helpers/jobs.js';

describe('the configuration hash', () => {
  it('tells a job made from a template from one that was not; no template recorded is none', () => {
    const job = makeJob();
    const agent = { name: 'build', phases: ['plan', 'code'] };
    const plain = hashEffectiveConfig({ ...job, template: null }, agent);
    expect(hashEffectiveConfig({ ...job, template: undefined }, agent)).toBe(plain);
    const templated = hashEffectiveConfig({ ...job, template: { name: 'nightly', values: { branch: 'main' } } }, agent);
    expect(templated).not.toBe(plain);
    expect(hashEffectiveConfig({ ...job, template: { name: 'nightly', values: { branch: 'dev' } } }, agent)).not.toBe(templated);
  });

  it('is the same for keys in any order, however many', () => {
    const job = makeJob();
    const keys = Array.from({ length: 40 }, (_, index) => `k${String(index).padStart(2, '0')}`);
    const forward = Object.fromEntries(keys.map((key, index) => [key, index]));
    const backward = Object.fromEntries([...keys].reverse().map((key) => [key, forward[key]]));
    expect(hashEffectiveConfig(job, { nested: backward, Z: 1, a: 2 })).toBe(hashEffectiveConfig(job, { a: 2, Z: 1, nested: forward }));
  });
});
