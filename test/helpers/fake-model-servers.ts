// Real HTTP servers on 127.0.0.1 that speak the OpenAI chat-completions and Anthropic Messages
// wire formats (SSE streaming with tool calls), replay scripted turns, and record every request.
// Faults on demand: streams cut before their end or inside a tool call, length / max-tokens
// stops, errors inside a 200 stream, connections reset before and after the first byte, and
// usage (input, output, cached tokens) on every response.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Tokens a scripted response reports (OpenAI: a last usage chunk; Anthropic: message_start and message_delta). */
export interface ScriptedUsage {
  input: number;
  output: number;
  cached?: number;
}

/** The usage every answer reports unless its turn says otherwise. */
export const DEFAULT_USAGE: ScriptedUsage = { input: 100, output: 20, cached: 0 };

/** An answer: text and tool calls, and how it ends. */
export interface AnswerTurn {
  text?: string;
  toolCalls?: Array<{ name: string; args: Record<string, unknown> | string }>;
  style?: 'openai' | 'ollama';
  /** `length`: finish_reason "length" / stop_reason "max_tokens" instead of a proper end. */
  finish?: 'length';
  /**
   * Where the stream stops short, the connection closing cleanly: `end` after all the content,
   * without its end (no finish_reason and [DONE]; no message_delta and message_stop);
   * `toolCall` inside the last tool call's arguments.
   */
  cut?: 'end' | 'toolCall';
  usage?: ScriptedUsage;
}

/** One scripted answer. */
export type ScriptedTurn =
  | AnswerTurn
  | { status: number; headers?: Record<string, string>; body?: string }
  | { raw: string }
  | { hangAfterText: string }
  /** Text in pieces, one every `intervalMs` (openai format): a slow but never silent model. */
  | { slowText: string[]; intervalMs: number }
  /** An error inside a 200 stream after `afterText` (OpenAI: a `{"error": …}` chunk; Anthropic: `event: error`). */
  | { streamError: { type: string; message: string; code?: string | number }; afterText?: string }
  /** The connection is destroyed: before a byte of the response, or after `afterText` streamed. */
  | { reset: 'beforeFirstByte' }
  | { reset: 'midStream'; afterText: string };

/**
 * Answers a request itself (e.g. by the task named in its prompt, for runs that go side by side);
 * undefined: the next scripted turn. May wait (a promise) to hold a reply back.
 */
export type TurnRouter = (request: RecordedRequest) => ScriptedTurn | undefined | Promise<ScriptedTurn | undefined>;

/** A request as the server received it. */
export interface RecordedRequest {
  path: string;
  method: string;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** A scripted model server. */
export class FakeModelServer {
  readonly requests: RecordedRequest[] = [];
  /** Resolves when a hanging request's connection is closed by the client. */
  hangingRequestClosed: Promise<void>;
  /** What `GET /v1/models` answers (the model ids), or null for 404. */
  models: string[] | null = null;
  private resolveHangingClosed!: () => void;
  private readonly server: http.Server;

  private constructor(
    private readonly format: 'openai' | 'anthropic',
    private readonly turns: ScriptedTurn[],
    private readonly route?: TurnRouter,
  ) {
    this.hangingRequestClosed = new Promise((resolve) => (this.resolveHangingClosed = resolve));
    this.server = http.createServer((request, response) => this.handle(request, response));
  }

  /** Starts a server on 127.0.0.1 with a free port. */
  static async start(format: 'openai' | 'anthropic', turns: ScriptedTurn[], route?: TurnRouter): Promise<FakeModelServer> {
    const server = new FakeModelServer(format, turns, route);
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  /** Base URL including /v1, as a provider's baseURL. */
  get baseURL(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** Scripts more turns, answered after those already scripted. */
  script(...turns: ScriptedTurn[]): void {
    this.turns.push(...turns);
  }

  /** The model requests (POSTs), in order: what each model call sent. */
  get calls(): RecordedRequest[] {
    return this.requests.filter((request) => request.method === 'POST');
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const recorded = { path: request.url ?? '', method: request.method ?? 'GET', headers: request.headers, body: JSON.parse(text || '{}') };
      this.requests.push(recorded);
      if (recorded.method === 'GET' && recorded.path.endsWith('/models')) {
        if (this.models === null) response.writeHead(404).end();
        else response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: this.models.map((id) => ({ id, object: 'model', type: 'model', display_name: id })) }));
        return;
      }
      void Promise.resolve(this.route?.(recorded)).then((routed) => this.reply(request, response, routed ?? this.turns.shift() ?? { text: 'done' }));
    });
  }

  private reply(request: http.IncomingMessage, response: http.ServerResponse, turn: ScriptedTurn): void {
    if ('status' in turn) {
      response.writeHead(turn.status, { 'content-type': 'application/json', ...turn.headers });
      response.end(turn.body ?? JSON.stringify({ error: { message: `scripted ${turn.status}`, type: 'error' } }));
      return;
    }
    if ('reset' in turn && turn.reset === 'beforeFirstByte') {
      request.socket.destroy();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    if ('raw' in turn) {
      response.end(turn.raw);
      return;
    }
    const isOpenAi = this.format === 'openai';
    if ('reset' in turn) {
      for (const event of isOpenAi ? openAiStart(turn.afterText) : anthropicStart(turn.afterText, DEFAULT_USAGE)) response.write(event);
      // Once the bytes are out, the connection dies without an end (a proxy or the provider dropping it).
      setTimeout(() => request.socket.destroy(), 20);
      return;
    }
    if ('streamError' in turn) {
      for (const event of isOpenAi ? openAiStart(turn.afterText ?? '') : anthropicStart(turn.afterText ?? '', DEFAULT_USAGE)) response.write(event);
      response.end(isOpenAi ? sse({ error: turn.streamError }) : sse({ type: 'error', error: { type: turn.streamError.type, message: turn.streamError.message } }, 'error'));
      return;
    }
    if ('hangAfterText' in turn) {
      response.on('close', () => this.resolveHangingClosed());
      for (const event of isOpenAi ? openAiStart(turn.hangAfterText) : anthropicStart(turn.hangAfterText, DEFAULT_USAGE)) response.write(event);
      return; // never ends: the client must abort
    }
    if ('slowText' in turn) {
      const pieces = [...turn.slowText];
      response.write(chunk({ role: 'assistant', content: '' }));
      const timer = setInterval(() => {
        const piece = pieces.shift();
        if (piece !== undefined) {
          response.write(chunk({ content: piece }));
          return;
        }
        clearInterval(timer);
        response.end(`${chunk({}, 'stop')}${usageChunk(DEFAULT_USAGE)}data: [DONE]\n\n`);
      }, turn.intervalMs);
      response.on('close', () => clearInterval(timer));
      return;
    }
    const events = isOpenAi ? openAiEvents(turn) : anthropicEvents(turn);
    for (const event of events) response.write(event);
    response.end();
  }
}

const sse = (data: unknown, event?: string): string => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
const chunk = (delta: object, finish: string | null = null): string =>
  sse({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'fake', choices: [{ index: 0, delta, finish_reason: finish }] });
const usageChunk = (usage: ScriptedUsage): string =>
  sse({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'fake', choices: [], usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output, prompt_tokens_details: { cached_tokens: usage.cached ?? 0 } } });
const argsOf = (args: Record<string, unknown> | string): string => (typeof args === 'string' ? args : JSON.stringify(args));

function openAiStart(text: string): string[] {
  return [chunk({ role: 'assistant', content: '' }), chunk({ content: text })];
}

function openAiEvents(turn: AnswerTurn): string[] {
  const events = openAiStart(turn.text ?? '');
  const calls = turn.toolCalls ?? [];
  for (const [index, call] of calls.entries()) {
    const args = argsOf(call.args);
    const isCut = turn.cut === 'toolCall' && index === calls.length - 1;
    if (turn.style === 'ollama') {
      // Ollama sends each call whole, with neither index nor id.
      events.push(chunk({ tool_calls: [{ function: { name: call.name, arguments: args } }] }));
    } else {
      events.push(chunk({ tool_calls: [{ index, id: `call_${index}`, type: 'function', function: { name: call.name, arguments: '' } }] }));
      const middle = Math.floor(args.length / 2);
      events.push(chunk({ tool_calls: [{ index, function: { arguments: args.slice(0, middle) } }] }));
      if (isCut) return events;
      events.push(chunk({ tool_calls: [{ index, function: { arguments: args.slice(middle) } }] }));
    }
  }
  if (turn.cut === 'end') return events;
  events.push(chunk({}, turn.finish ?? (calls.length ? 'tool_calls' : 'stop')));
  events.push(usageChunk(turn.usage ?? DEFAULT_USAGE));
  events.push('data: [DONE]\n\n');
  return events;
}

function anthropicStart(text: string, usage: ScriptedUsage): string[] {
  const cached = usage.cached ?? 0;
  return [
    sse({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'fake', stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.input - cached, cache_read_input_tokens: cached, output_tokens: 1 } } }, 'message_start'),
    sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start'),
    sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }, 'content_block_delta'),
  ];
}

function anthropicEvents(turn: AnswerTurn): string[] {
  const usage = turn.usage ?? DEFAULT_USAGE;
  const events = [...anthropicStart(turn.text ?? '', usage), sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop')];
  const calls = turn.toolCalls ?? [];
  for (const [i, call] of calls.entries()) {
    const index = i + 1;
    const args = argsOf(call.args);
    events.push(
      sse({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: `toolu_${index}`, name: call.name, input: {} } }, 'content_block_start'),
      sse({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: args.slice(0, 5) } }, 'content_block_delta'),
    );
    if (turn.cut === 'toolCall' && i === calls.length - 1) return events;
    events.push(
      sse({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: args.slice(5) } }, 'content_block_delta'),
      sse({ type: 'content_block_stop', index }, 'content_block_stop'),
    );
  }
  if (turn.cut === 'end') return events;
  const stopReason = turn.finish === 'length' ? 'max_tokens' : calls.length ? 'tool_use' : 'end_turn';
  events.push(
    sse({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output } }, 'message_delta'),
    sse({ type: 'message_stop' }, 'message_stop'),
  );
  return events;
}
