// Every job the REPL can show or act on: this session's (from the manager, freshest) and the
// rest of the jobs folder (from disk, with dead owners' jobs shown as interrupted).
import { existsSync } from 'node:fs';
import { adoptFromConfig } from '../commands/adopt-job.js';
import type { JoblineConfig } from '../config/schema.js';
import type { Job, JobMode } from '../jobs/model/job.js';
import { isJobId, resolveJobId } from '../jobs/model/job-id.js';
import type { JobManager } from '../jobs/service/manager.js';

/** Looks jobs up across the session and the jobs folder. */
export class JobCatalog {
  constructor(
    private readonly manager: JobManager,
    private readonly config: JoblineConfig,
    private readonly cwd: string,
    private readonly configFile: string | null = null,
  ) {}

  /** Every job, oldest first, and warnings about unreadable items. */
  async list(): Promise<{ jobs: Job[]; warnings: string[] }> {
    const { jobs: stored, warnings } = await this.manager.store.list();
    const byId = new Map(stored.map((job) => [job.id, job]));
    for (const job of this.manager.list()) byId.set(job.id, job);
    const jobs = [...byId.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    return { jobs, warnings };
  }

  /** Every job id known now (for completion and prefix lookup). */
  async ids(): Promise<string[]> {
    const stored = await this.manager.store.listIds().catch(() => []);
    return [...new Set([...this.manager.list().map((job) => job.id), ...stored])];
  }

  /**
   * Resolves a typed id or prefix. A full id of this session or of an existing folder needs no
   * listing (ids have a fixed length, so a full id is never a prefix of another): /watch and
   * /logs -f look a job up several times a second. @throws JobLookupError JOB_NOT_FOUND / JOB_ID_AMBIGUOUS.
   */
  async resolve(input: string): Promise<string> {
    const typed = input.trim().toLowerCase();
    if (this.manager.has(typed)) return typed;
    if (isJobId(typed) && existsSync(this.manager.store.pathsOf(typed).dir)) return typed;
    return resolveJobId(input, await this.ids());
  }

  /** Returns job `input` (id or prefix). @throws JobLookupError, StoreError (a corrupt file). */
  async get(input: string): Promise<Job> {
    const id = await this.resolve(input);
    return this.manager.has(id) ? this.manager.get(id) : this.manager.store.load(id);
  }

  /**
   * Resumes job `input` in `mode`, taking it over from the jobs folder if another (dead) process
   * left it: its agent is rebuilt from the config and it runs in the folder it was created in.
   * @throws JobLookupError; ManagerError JOB_OWNED_ELSEWHERE / JOB_NOT_RESUMABLE; AgentError.
   */
  async resume(input: string, mode: JobMode): Promise<Job> {
    const id = await this.resolve(input);
    return this.manager.resume(id, mode, adoptFromConfig(this.manager.store, this.config, this.cwd, this.configFile));
  }
}
