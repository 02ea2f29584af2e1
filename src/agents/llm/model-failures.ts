// What went wrong with a model call, and whether trying again may help: HTTP errors, errors sent
// inside a 200 stream (Anthropic's `event: error`, an OpenAI `{"error": …}` chunk), connections
// dropped before the first byte or reset mid-answer, and streams that ended before the model
// finished. In-stream errors are classified like their HTTP twins (overloaded_error as 529,
// rate_limit_error as 429): the providers send the same conditions either way.
import { APICallError } from 'ai';

/**
 * A classified failure. `kind`: what happened (see describeModelFailure); `isRetryable`: a
 * transient condition worth another attempt; `detail`: the provider's or the socket's own words,
 * unscrubbed (the caller scrubs); `statusCode`: the HTTP status, or the in-stream error's twin.
 */
export interface ModelFailure {
  kind: 'http' | 'stream-error' | 'unreachable' | 'dropped' | 'reset' | 'truncated' | 'malformed' | 'other';
  isRetryable: boolean;
  detail: string;
  statusCode?: number;
  /** The network error code (ECONNRESET, UND_ERR_SOCKET, ECONNREFUSED), when there is one. */
  code?: string;
  /** The original error (for Retry-After headers). */
  error: unknown;
}

// Network codes meaning the host is not there: retrying at once would not help, and the user
// has a setting to check.
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT']);

/** Returns true for HTTP statuses worth retrying: 408, 409, 429 and 5xx. */
export function isRetryableHttpStatus(status: number): boolean {
  return [408, 409, 429].includes(status) || status >= 500;
}

// The first network code along `error`'s causes (ECONNRESET, UND_ERR_SOCKET).
function findNetworkCode(error: unknown): string | undefined {
  for (let current = error as { cause?: unknown; code?: unknown } | undefined, depth = 0; current && depth < 6; current = current.cause as typeof current, depth++) {
    if (typeof current.code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(current.code)) return current.code;
  }
  return undefined;
}

// The innermost message along `error`'s causes (`other side closed` under `fetch failed`).
function innermostMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  for (let current = (error as { cause?: unknown })?.cause, depth = 0; current && depth < 6; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof Error && current.message) message = current.message;
  }
  return message;
}

// The HTTP status an in-stream error stands for (Anthropic's error types, OpenAI's codes and types).
function statusOfStreamError(error: { type?: unknown; code?: unknown; message?: unknown }): number | undefined {
  const words = `${String(error.type ?? '')} ${String(error.code ?? '')}`.toLowerCase();
  if (typeof error.code === 'number' && error.code >= 400) return error.code;
  if (/^\d{3}$/.test(String(error.code ?? ''))) return Number(error.code);
  if (/overloaded/.test(words)) return 529;
  if (/rate_limit|rate-limit|too_many|quota_exceeded/.test(words)) return 429;
  if (/timeout/.test(words)) return 408;
  if (/server_error|api_error|internal|unavailable/.test(words)) return 500;
  if (/authentication|invalid_api_key/.test(words)) return 401;
  if (/permission/.test(words)) return 403;
  if (/not_found|model_not_found/.test(words)) return 404;
  if (/request_too_large|context_length/.test(words)) return 413;
  if (/invalid_request|invalid/.test(words)) return 400;
  return undefined;
}

/** Classifies any failure of a model call (a thrown error, or an `error` part of the stream). Never throws. */
export function classifyModelFailure(error: unknown): ModelFailure {
  if (APICallError.isInstance(error)) {
    const code = findNetworkCode(error);
    if (error.statusCode === undefined) {
      // fetch failed before a response: a refused or unknown host is a setting; a connection the
      // other side dropped (a proxy, a server restarting, a load balancer) is transient.
      if (code && UNREACHABLE_CODES.has(code)) return { kind: 'unreachable', isRetryable: false, detail: innermostMessage(error), code, error };
      return { kind: 'dropped', isRetryable: true, detail: innermostMessage(error), ...(code ? { code } : {}), error };
    }
    if (error.statusCode >= 200 && error.statusCode < 300) {
      // The answer began (200) and its body broke off: a reset mid-stream.
      return { kind: 'reset', isRetryable: true, detail: innermostMessage(error), ...(code ? { code } : {}), error };
    }
    return { kind: 'http', isRetryable: isRetryableHttpStatus(error.statusCode), detail: error.message, statusCode: error.statusCode, error };
  }
  const name = (error as { name?: string })?.name ?? '';
  const message = error instanceof Error ? error.message : '';
  if (/without a finish reason|without a finish chunk/i.test(message) || /NoOutputGenerated/.test(name)) return { kind: 'truncated', isRetryable: true, detail: message, error };
  if (error !== null && typeof error === 'object' && !(error instanceof Error) && ('message' in error || 'type' in error)) {
    // An error object the provider sent inside its stream: `{ type: 'overloaded_error', message }`.
    const streamed = error as { type?: unknown; code?: unknown; message?: unknown };
    const statusCode = statusOfStreamError(streamed);
    const label = [streamed.type, streamed.code].filter((part) => typeof part === 'string' || typeof part === 'number').join(' ');
    const detail = `${label ? `${label}: ` : ''}${typeof streamed.message === 'string' ? streamed.message : JSON.stringify(error)}`;
    return { kind: 'stream-error', isRetryable: statusCode !== undefined && isRetryableHttpStatus(statusCode), detail, ...(statusCode !== undefined ? { statusCode } : {}), error };
  }
  if (/JSONParse|TypeValidation|InvalidResponseData|InvalidStreamPart|EmptyResponseBody/.test(name)) return { kind: 'malformed', isRetryable: false, detail: message, error };
  const code = findNetworkCode(error);
  if (code && !UNREACHABLE_CODES.has(code)) return { kind: 'reset', isRetryable: true, detail: innermostMessage(error), code, error };
  if (/terminated|other side closed|socket hang up/i.test(innermostMessage(error))) return { kind: 'reset', isRetryable: true, detail: innermostMessage(error), error };
  return { kind: 'other', isRetryable: false, detail: error instanceof Error ? error.message : String(error), error };
}

/** A short phrase for a retried failure, for progress lines: `HTTP 503`, `the stream was cut off`. */
export function summarizeModelFailure(failure: ModelFailure): string {
  switch (failure.kind) {
    case 'http':
      return `HTTP ${failure.statusCode}`;
    case 'stream-error':
      return `error in the stream (${firstLine(failure.detail, 80)})`;
    case 'dropped':
      return 'the connection was dropped before the answer began';
    case 'reset':
      return 'the connection was reset mid-answer';
    case 'truncated':
      return 'the answer stopped before its end';
    default:
      return firstLine(failure.detail, 80);
  }
}

/**
 * One sentence for the user about `failure` after `attempts` attempts, at `endpoint`; `where`
 * names the config key (`providers.local in .jobrc.json`); `keyEnv` the key's variable. The
 * text is not scrubbed: the caller scrubs it before it is cut or shown.
 */
export function describeModelFailure(failure: ModelFailure, endpoint: string, where: string, keyEnv: string | null, attempts: number): string {
  const after = attempts > 1 ? ` after ${attempts} attempts` : '';
  const because = (text: string): string => firstLine(text, 300);
  switch (failure.kind) {
    case 'unreachable':
      return `cannot reach ${endpoint} (${failure.code}); check ${where}`;
    case 'http':
    case 'stream-error':
      if (failure.statusCode === 401 || failure.statusCode === 403) {
        return keyEnv
          ? `${endpoint} refused the API key (HTTP ${failure.statusCode}); check the ${keyEnv} environment variable`
          : `${endpoint} requires an API key (HTTP ${failure.statusCode}); set "apiKeyEnv" in ${where} and export that variable`;
      }
      if (failure.kind === 'http') return `${endpoint} answered HTTP ${failure.statusCode}${after}: ${because(failure.detail)}`;
      return `${endpoint} sent an error inside its answer${after}: ${because(failure.detail)}`;
    case 'dropped':
      return `${endpoint} closed the connection before answering${after} (${failure.code ? `${failure.code}: ` : ''}${because(failure.detail)})`;
    case 'reset':
      return `the connection to ${endpoint} was reset in the middle of the model's answer${after} (${failure.code ? `${failure.code}: ` : ''}${because(failure.detail)}); the partial answers were discarded`;
    case 'truncated':
      return `the model's response stream from ${endpoint} ended before the answer did${after} (no end of message); the partial answers were discarded`;
    case 'malformed':
      return `the model's response stream from ${endpoint} was malformed: ${because(failure.detail)}`;
    default:
      return `the model call to ${endpoint} failed: ${because(failure.detail)}`;
  }
}

function firstLine(text: string, max: number): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}
