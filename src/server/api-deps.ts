// What the API is built on: the job service (its only way to jobs), the event stream's memory,
// and the few settings that come from the composition root (the serve command).
import type { AgentSpec } from '../agents/agent.js';
import type { JoblineConfig } from '../config/schema.js';
import type { JobService } from '../jobs/service/job-service.js';
import type { EventHub } from './event-hub.js';
import type { LoginLinks } from './login-links.js';

/** The API's dependencies. */
export interface ApiDeps {
  service: JobService;
  hub: EventHub;
  /** The bearer token every request must carry (see server-presence.ts). */
  token: string;
  /** What a logged-in browser's cookie carries instead (see ServerPresence.browserKey). */
  browserKey: string;
  /** The cookie's name: one per jobs folder, since cookies of 127.0.0.1 are shared by every port. */
  cookieName: string;
  /**
   * The agent a submission names (undefined: the config's default), for a job in folder `cwd`,
   * from config file `configPath` (undefined: the server's config).
   * @throws AgentError AGENT_UNKNOWN, AGENT_INVALID, API_KEY_MISSING; ConfigError.
   */
  resolveAgent(name: string | undefined, cwd: string, configPath?: string): AgentSpec;
  /** Folder of a job whose submission names none (the server's). */
  defaultCwd: string;
  /** Grace period of a cancel (ms): how long a forced delete waits for runs to stop, plus a margin. */
  cancelGraceMs: number;
  /** jobline's version, for the OpenAPI document. */
  version: string;
  /** Lease of an external worker (ms), told to workers as they join. */
  workerLeaseMs: number;
  /** One-time links that log a browser in (see LoginLinks). */
  loginLinks: LoginLinks;
  /**
   * Makes the server listen on HTTP at 127.0.0.1:`port` (0: any free port) if it does not yet;
   * resolves to the port it listens on. @throws ServerError SERVER_LISTEN.
   */
  listenHttp(port: number): Promise<number>;
  /** The server's config (its templates, for the dashboard's Run). */
  config: JoblineConfig;
}
