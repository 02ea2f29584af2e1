// What the API is built on: the job service (its only way to jobs), the event stream's memory,
// and the few settings that come from the composition root (the serve command).
import type { AgentSpec } from '../agents/agent.js';
import type { JoblineConfig } from '../config/schema.js';
import type { JobService } from '../jobs/service/job-service.js';
import type { EventHub } from './event-hub.js';
import type { AgentDefinitions } from './api-schemas.js';
import type { BrowserAccess } from './browser-access.js';
import type { LoginLinks } from './login-links.js';
import type { FleetView } from '../jobs/queue/fleet.js';

/** The API's dependencies. */
export interface ApiDeps {
  service: JobService;
  hub: EventHub;
  /** The bearer token every request must carry (see server-presence.ts), or else the browser key. */
  token: string;
  /** The folder's browser key, which a logged-in dashboard page sends instead of the token. */
  browserAccess: BrowserAccess;
  /**
   * The agent a submission names (undefined: the default), for a job in folder `cwd`: from the
   * server's config, or from `definitions`, the agents and providers a client sent (its own
   * config's: a REPL attached from another project). Never from a file a client names.
   * @throws AgentError AGENT_UNKNOWN, AGENT_INVALID, API_KEY_MISSING.
   */
  resolveAgent(name: string | undefined, cwd: string, definitions?: AgentDefinitions): AgentSpec;
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
  /** The queue's workers and counts (GET /api/workers), when runs go through a queue; absent: none. */
  readFleet?(): Promise<FleetView>;
}
