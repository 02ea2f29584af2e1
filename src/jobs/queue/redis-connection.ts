// Connections to the queue's Redis: the options every connection shares (password from the
// environment, TLS, endless reconnects), the check at start that turns an unreachable Redis or a
// refused password into one clear sentence, and a watch that says a lost connection once.
import { Redis, type RedisOptions } from 'ioredis';
import { JoblineError } from '../../errors.js';
import { describeQueueUrl, type QueueSettings } from './queue-settings.js';

/** The queue cannot be used. Codes: QUEUE_UNREACHABLE, QUEUE_AUTH (a password missing or refused). */
export class QueueError extends JoblineError {}

/** How long the check at start waits for Redis to answer (ms). */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * ioredis options for `settings`: commands wait while the connection is down (BullMQ needs
 * `maxRetriesPerRequest: null`), and reconnects go on forever, at most a second apart.
 */
export function redisOptions(settings: QueueSettings): RedisOptions {
  return {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
    ...(settings.password !== null ? { password: settings.password } : {}),
    ...(settings.tls ? { tls: {} } : {}),
  };
}

/** A new connection to the queue's Redis (connecting in the background, reconnecting by itself). */
export function openRedis(settings: QueueSettings, extra: RedisOptions = {}): Redis {
  return new Redis(settings.url, { ...redisOptions(settings), ...extra });
}

/**
 * Connects once, without retrying, and asks Redis for a PING: resolves when the queue answers.
 * @throws QueueError QUEUE_UNREACHABLE (`Cannot reach the queue at redis://…: ECONNREFUSED`),
 *   QUEUE_AUTH (a password Redis wants and did not get, or refused).
 */
export async function checkQueue(settings: QueueSettings): Promise<void> {
  const probe = new Redis(settings.url, { ...redisOptions(settings), lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  // The first error event says why (ECONNREFUSED); the rejected call only that the connection closed.
  let first: unknown = null;
  probe.on('error', (error: unknown) => (first ??= error));
  try {
    await withTimeout(probe.connect(), CONNECT_TIMEOUT_MS);
    await withTimeout(probe.ping(), CONNECT_TIMEOUT_MS);
  } catch (error) {
    throw describeConnectError(settings, first ?? error);
  } finally {
    probe.disconnect();
  }
}

/** The QueueError for a failed connection to the queue (`error`: what ioredis threw or emitted). */
export function describeConnectError(settings: QueueSettings, error: unknown): QueueError {
  const where = describeQueueUrl(settings.url);
  const text = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (/WRONGPASS|invalid password|invalid username-password/i.test(text)) {
    return new QueueError('QUEUE_AUTH', `The queue at ${where} refused the password${settings.passwordEnv ? ` in $${settings.passwordEnv}` : ''} (WRONGPASS).`, { cause: error });
  }
  if (/NOAUTH/i.test(text)) {
    const how = settings.passwordEnv ? `set $${settings.passwordEnv}` : 'name the variable that holds it in "queue": { "passwordEnv": … }';
    return new QueueError('QUEUE_AUTH', `The queue at ${where} needs a password (NOAUTH): ${how}.`, { cause: error });
  }
  const reason = code ?? (/timed out/i.test(text) ? 'ETIMEDOUT' : text.replace(/\s+/g, ' ').slice(0, 200));
  return new QueueError('QUEUE_UNREACHABLE', `Cannot reach the queue at ${where}: ${reason}`, { cause: error });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Says a lost connection once (`warn`), and that it is back once it is: ioredis reconnects by
 * itself and BullMQ's commands wait meanwhile, so nothing else is needed than telling the user.
 * Returns a function to call before closing the connection on purpose (then nothing is said).
 */
export function watchConnection(redis: Redis, settings: QueueSettings, warn: (message: string) => void): () => void {
  let isLost = false;
  let isClosing = false;
  let lastError: unknown = null;
  const lose = (): void => {
    if (isLost || isClosing) return;
    isLost = true;
    const why = lastError ? describeConnectError(settings, lastError).message : `Lost the connection to the queue at ${describeQueueUrl(settings.url)}`;
    warn(`${why}; reconnecting (runs waiting to be sent wait).`);
  };
  redis.on('error', (error: unknown) => {
    lastError = error;
    lose();
  });
  redis.on('close', lose);
  redis.on('ready', () => {
    lastError = null;
    if (!isLost) return;
    isLost = false;
    warn(`The queue at ${describeQueueUrl(settings.url)} is back.`);
  });
  return () => void (isClosing = true);
}
