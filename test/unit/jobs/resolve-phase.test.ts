// The phase that resolves a merge conflict, as an LLM agent is told it, and the list of conflicted
// files at its limit.
import { describe, expect, it } from 'vitest';
import { createResolvePhase, describeConflict } from '../../../src/jobs/service/resolve-phase.js';

describe('the resolve phase of an LLM agent', () => {
  it('tells it where it works, what happened, what the markers are, and what to answer', () => {
    const { instructions } = createResolvePhase();
    expect(instructions).toContain('You work in a code workspace through tools; every path is relative to the workspace root.');
    expect(instructions).toContain('Phase "resolve": the target branch was merged into your work and some files conflict.');
    expect(instructions).toContain('Each conflicted file holds conflict markers (<<<<<<<, =======, >>>>>>>).');
    expect(instructions).toMatch(/holds no markers, run the checks you can, then answer with what you resolved and how\.$/);
  });

  it('is told all of fifty conflicted files, with no count of more', () => {
    const files = Array.from({ length: 50 }, (_, i) => `f${i}`);
    expect(describeConflict('main', files, null)).toBe(`Merging main into this work conflicted in 50 files (conflict markers left in them):\n${files.join('\n')}`);
  });
});
