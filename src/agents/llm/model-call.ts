// One model call of a round: a streamed request, retried while what went wrong is transient
// (rate limits, 5xx, an error inside the stream of the same kind, a connection dropped or reset,
// a stream that stopped before its end), and judged by how it ended: only a proper end (stop,
// end_turn, tool_calls, tool_use) or a length stop is an answer. Every HTTP attempt is reported
// as a model call, with the tokens it used.
import { streamText, type LanguageModel, type ModelMessage, type ToolSet } from 'ai';
import type { ProviderSpec } from '../agent.js';
import { classifyModelFailure, summarizeModelFailure, type ModelFailure } from './model-failures.js';
import { describeProviderError, getRetryDelayMs } from './provider.js';

/** Retries of one model call after a transient failure (so at most 4 attempts). */
export const MAX_MODEL_RETRIES = 3;
/** A model call that sends nothing for this long is abandoned (ms). */
export const MODEL_IDLE_TIMEOUT_MS = 120_000;

/** Tokens one attempt used, as the provider reported them (input includes cached). */
export interface CallUsage {
  input: number;
  output: number;
  cached: number;
}

/** A tool call of an answer; `invalidInput`: why its arguments could not be read (they are then a raw string). */
export interface ModelToolCall {
  id: string;
  name: string;
  input: unknown;
  invalidInput?: string;
}

/** An answer: its text and tool calls, and how it ended (`length`: cut at the output limit). */
export interface ModelTurn {
  text: string;
  toolCalls: ModelToolCall[];
  finish: 'stop' | 'tool-calls' | 'length';
}

/** How a call ended. */
export type CallResult = { kind: 'turn'; turn: ModelTurn } | { kind: 'cancelled' } | { kind: 'failed'; error: string };

/** What a call reports while it goes. */
export interface CallHooks {
  /** An HTTP attempt is about to be made (1-based): one model call. */
  attemptStarted(attempt: number): void;
  /** Text of the answer as it streams. */
  text(delta: string): void;
  /** The tokens an attempt used, once the provider said (failed attempts that said included). */
  usage(usage: CallUsage): void;
  /** A transient failure: the call is made again after `delayMs`. */
  retrying(why: string, delayMs: number, nextAttempt: number): void;
}

/** What to ask. */
export interface CallRequest {
  system: string;
  messages: ModelMessage[];
  tools: ToolSet;
}

type AttemptResult = { kind: 'turn'; turn: ModelTurn } | { kind: 'cancelled' } | { kind: 'idle' } | { kind: 'failed'; failure: ModelFailure } | { kind: 'final'; error: string };

/** Calls `model` of `provider` with `request`; never throws. `signal` cancels it. */
export async function callModel(model: LanguageModel, provider: ProviderSpec, request: CallRequest, signal: AbortSignal, hooks: CallHooks): Promise<CallResult> {
  const idleTimeoutMs = provider.idleTimeoutMs ?? MODEL_IDLE_TIMEOUT_MS;
  for (let attempt = 1; ; attempt++) {
    hooks.attemptStarted(attempt);
    const result = await attemptCall(model, request, signal, idleTimeoutMs, hooks);
    if (signal.aborted || result.kind === 'cancelled') return { kind: 'cancelled' };
    if (result.kind === 'turn') return result;
    if (result.kind === 'idle') return { kind: 'failed', error: `the model sent nothing for ${idleTimeoutMs / 1000} s` };
    if (result.kind === 'final') return { kind: 'failed', error: result.error };
    if (result.failure.isRetryable && attempt <= MAX_MODEL_RETRIES) {
      const delay = getRetryDelayMs(result.failure.error, attempt, provider.retryDelayMs);
      hooks.retrying(summarizeModelFailure(result.failure), delay, attempt + 1);
      await sleepUnlessAborted(delay, signal);
      continue;
    }
    return { kind: 'failed', error: describeProviderError(result.failure.error, provider, attempt) };
  }
}

// One HTTP attempt, read to its end.
async function attemptCall(model: LanguageModel, request: CallRequest, signal: AbortSignal, idleTimeoutMs: number, hooks: CallHooks): Promise<AttemptResult> {
  // An idle timeout, not a cap on the call: every part received starts it again, so a slow
  // model streaming a long answer is never cut off, and a silent one is.
  const idle = new AbortController();
  let idleTimer = setTimeout(() => idle.abort(), idleTimeoutMs);
  const touch = (): void => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => idle.abort(), idleTimeoutMs);
  };
  let text = '';
  const toolCalls: ModelToolCall[] = [];
  let failure: unknown = null;
  let finish: { reason: string; raw: string | undefined } | null = null;
  try {
    // onError: errors arrive as 'error' parts and become outcomes; the SDK's default would print
    // them (with whatever the server said, possibly echoing a key) to the terminal.
    const stream = streamText({ model, system: request.system, messages: request.messages, tools: request.tools, maxRetries: 0, abortSignal: AbortSignal.any([signal, idle.signal]), onError: () => {} });
    for await (const part of stream.fullStream) {
      touch();
      if (part.type === 'text-delta') {
        text += part.text;
        hooks.text(part.text);
      } else if (part.type === 'tool-call') {
        toolCalls.push(readToolCall(part));
      } else if (part.type === 'finish-step') {
        finish = { reason: part.finishReason, raw: part.rawFinishReason };
        if (part.usage.inputTokens !== undefined || part.usage.outputTokens !== undefined) {
          hooks.usage({ input: part.usage.inputTokens ?? 0, output: part.usage.outputTokens ?? 0, cached: part.usage.inputTokenDetails?.cacheReadTokens ?? 0 });
        }
      } else if (part.type === 'error') {
        failure ??= part.error;
      } else if (part.type === 'abort') {
        failure ??= new Error('aborted');
      }
    }
  } catch (error) {
    failure ??= error;
  } finally {
    clearTimeout(idleTimer);
  }
  if (text && !text.endsWith('\n')) hooks.text('\n');
  if (signal.aborted) return { kind: 'cancelled' };
  if (idle.signal.aborted) return { kind: 'idle' };
  if (failure !== null) return { kind: 'failed', failure: classifyModelFailure(failure) };
  switch (finish?.reason) {
    case 'stop':
    case 'tool-calls':
    case 'length':
      return { kind: 'turn', turn: { text, toolCalls, finish: finish.reason } };
    case 'content-filter':
      return { kind: 'final', error: `the provider stopped the model's answer (content filter${finish.raw ? `: "${finish.raw}"` : ''})` };
    default:
      // No end of message at all (an Anthropic stream without message_stop, an OpenAI stream
      // without finish_reason): the answer was cut off, whatever arrived of it. Transient.
      if (finish?.raw === undefined) return { kind: 'failed', failure: classifyModelFailure(new TruncatedStreamError()) };
      return { kind: 'final', error: `the model's answer ended with a finish reason jobline does not know ("${finish.raw}"), so it is not taken as finished` };
  }
}

/** A stream that ended without saying how the answer ended. */
class TruncatedStreamError extends Error {
  constructor() {
    super('the stream ended without a finish reason');
    this.name = 'TruncatedStreamError';
  }
}

// A tool call part: its arguments as an object, or, when they were not valid JSON, the raw text
// and why (the model is told exactly that, not that a field is missing).
function readToolCall(part: { toolCallId: string; toolName: string; input: unknown; invalid?: boolean; error?: unknown }): ModelToolCall {
  const call: ModelToolCall = { id: part.toolCallId, name: part.toolName, input: part.input };
  if (part.invalid && typeof part.input === 'string') call.invalidInput = `arguments are not valid JSON: ${innermost(part.error)}`;
  return call;
}

function innermost(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  for (let current = (error as { cause?: unknown })?.cause, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof Error && current.message) message = current.message;
  }
  return message.split('\n')[0] ?? message;
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
