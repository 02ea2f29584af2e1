// The shape of .jobrc.json, validated strictly: an unknown key is an error, not silently ignored,
// so a typo like "maxConcurentJobs" is caught. Defaults live here and in .jobrc.example.json.
import { z } from 'zod';

const phaseName = z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'expected a phase name of 1-40 letters, digits, "_", "." or "-"');

const commandAgentSchema = z.strictObject({
  type: z.literal('command'),
  description: z.string().optional(),
  phases: z.array(z.strictObject({ name: phaseName, run: z.string().min(1) })).min(1),
});

const moduleAgentSchema = z.strictObject({
  type: z.literal('module'),
  description: z.string().optional(),
  /** Path of an ES module exporting `runPhase`; relative paths are relative to the config file. */
  module: z.string().min(1),
  phases: z.array(z.strictObject({ name: phaseName })).min(1),
});

/** Schema of one entry under `agents`. */
export const agentConfigSchema = z.discriminatedUnion('type', [commandAgentSchema, moduleAgentSchema]);

/** Schema of the whole config file, with every default applied. */
export const configSchema = z.strictObject({
  /** Free text for people (the JSON Schema `$comment` convention); ignored by jobline. */
  $comment: z.union([z.string(), z.array(z.string())]).optional(),
  /** Folder for job folders; $JOBLINE_JOBS_DIR overrides it. null or absent: <tmpdir>/jobline-<uid>. */
  jobsDir: z.string().min(1).nullable().optional(),
  /** Jobs running at once. */
  maxConcurrentJobs: z.number().int().min(1).max(64).default(3),
  /** Failed, cancelled and interrupted jobs kept on disk; the oldest beyond this are removed. */
  maxUnfinishedJobs: z.number().int().min(0).default(10),
  /** What a submission does when every slot is busy: wait in the queue, or be refused. */
  whenBusy: z.enum(['queue', 'reject']).default('queue'),
  /** Mode of new jobs. */
  mode: z.enum(['interactive', 'background']).default('interactive'),
  /** Agent used when none is named. */
  defaultAgent: z.string().min(1).default('sh'),
  /** Milliseconds a cancelled job gets to stop before its worker and processes are killed. */
  cancelGraceMs: z.number().int().min(0).max(60_000).default(2000),
  /** Heap limit of each worker thread, in MB (worker `resourceLimits.maxOldGenerationSizeMb`). */
  workerHeapMb: z.number().int().min(16).max(16_384).default(512),
  debug: z.strictObject({ keepTempFiles: z.boolean().default(false) }).default({ keepTempFiles: false }),
  agents: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'expected an agent name of lowercase letters, digits and "-"'), agentConfigSchema).default({}),
});

/** A validated config with defaults applied. */
export type JoblineConfig = z.infer<typeof configSchema>;

/** One agent entry of the config. */
export type AgentConfig = z.infer<typeof agentConfigSchema>;
