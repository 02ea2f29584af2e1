// Real HTTP servers on 127.0.0.1 that speak the OpenAI chat-completions and Anthropic Messages
// wire formats (SSE streaming with tool calls), replay scripted turns, and record every request.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer. */
export type ScriptedTurn =
  | { text?: string; toolCalls?: Array<{ name: string; args: Record<string, unknown> }>; style?: 'openai' | 'ollama' }
  | { status: number; headers?: Record<string, string>; body?: string }
  | { raw: string }
  | { hangAfterText: string }
  /** Text in pieces, one every `intervalMs` (openai format): a slow but never silent model. */
  | { slowText: string[]; intervalMs: number };

/**
 * Answers a request itself (e.g. by the task named in its prompt, for runs that go side by side);
 * undefined: the next scripted turn. May wait (a promise) to hold a reply back.
 */
export type TurnRouter = (request: RecordedRequest) => ScriptedTurn | undefined | Promise<ScriptedTurn | undefined>;

/** A request as the server received it. */
export interface RecordedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** A scripted model server. */
export class FakeModelServer {
  readonly requests: RecordedRequest[] = [];
  /** Resolves when a hanging request's connection is closed by the client. */
  hangingRequestClosed: Promise<void>;
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

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const recorded = { path: request.url ?? '', headers: request.headers, body: JSON.parse(text || '{}') };
      this.requests.push(recorded);
      void Promise.resolve(this.route?.(recorded)).then((routed) => this.reply(response, routed ?? this.turns.shift() ?? { text: 'done' }));
    });
  }

  private reply(response: http.ServerResponse, turn: ScriptedTurn): void {
    if ('status' in turn) {
      response.writeHead(turn.status, { 'content-type': 'application/json', ...turn.headers });
      response.end(turn.body ?? JSON.stringify({ error: { message: `scripted ${turn.status}`, type: 'error' } }));
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    if ('raw' in turn) {
      response.end(turn.raw);
      return;
    }
    if ('hangAfterText' in turn) {
      response.on('close', () => this.resolveHangingClosed());
      for (const event of this.format === 'openai' ? openAiStart(turn.hangAfterText) : anthropicStart(turn.hangAfterText)) response.write(event);
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
        response.end(`${chunk({}, 'stop')}data: [DONE]\n\n`);
      }, turn.intervalMs);
      response.on('close', () => clearInterval(timer));
      return;
    }
    const events = this.format === 'openai' ? openAiEvents(turn) : anthropicEvents(turn);
    for (const event of events) response.write(event);
    response.end();
  }
}

const sse = (data: unknown, event?: string): string => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
const chunk = (delta: object, finish: string | null = null): string =>
  sse({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'fake', choices: [{ index: 0, delta, finish_reason: finish }] });

function openAiStart(text: string): string[] {
  return [chunk({ role: 'assistant', content: '' }), chunk({ content: text })];
}

function openAiEvents(turn: { text?: string; toolCalls?: Array<{ name: string; args: Record<string, unknown> }>; style?: 'openai' | 'ollama' }): string[] {
  const events = openAiStart(turn.text ?? '');
  (turn.toolCalls ?? []).forEach((call, index) => {
    const args = JSON.stringify(call.args);
    if (turn.style === 'ollama') {
      // Ollama sends each call whole, with neither index nor id.
      events.push(chunk({ tool_calls: [{ function: { name: call.name, arguments: args } }] }));
    } else {
      events.push(chunk({ tool_calls: [{ index, id: `call_${index}`, type: 'function', function: { name: call.name, arguments: '' } }] }));
      const middle = Math.floor(args.length / 2);
      events.push(chunk({ tool_calls: [{ index, function: { arguments: args.slice(0, middle) } }] }));
      events.push(chunk({ tool_calls: [{ index, function: { arguments: args.slice(middle) } }] }));
    }
  });
  events.push(chunk({}, turn.toolCalls?.length ? 'tool_calls' : 'stop'));
  events.push('data: [DONE]\n\n');
  return events;
}

function anthropicStart(text: string): string[] {
  return [
    sse({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'fake', stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } } }, 'message_start'),
    sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start'),
    sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }, 'content_block_delta'),
  ];
}

function anthropicEvents(turn: { text?: string; toolCalls?: Array<{ name: string; args: Record<string, unknown> }> }): string[] {
  const events = [...anthropicStart(turn.text ?? ''), sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop')];
  (turn.toolCalls ?? []).forEach((call, i) => {
    const index = i + 1;
    const args = JSON.stringify(call.args);
    events.push(
      sse({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: `toolu_${index}`, name: call.name, input: {} } }, 'content_block_start'),
      sse({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: args.slice(0, 5) } }, 'content_block_delta'),
      sse({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: args.slice(5) } }, 'content_block_delta'),
      sse({ type: 'content_block_stop', index }, 'content_block_stop'),
    );
  });
  events.push(
    sse({ type: 'message_delta', delta: { stop_reason: turn.toolCalls?.length ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: 20 } }, 'message_delta'),
    sse({ type: 'message_stop' }, 'message_stop'),
  );
  return events;
}
