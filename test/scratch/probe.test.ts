import { it } from 'vitest';
import { streamText, jsonSchema, tool } from 'ai';
import { createModel } from '../../src/agents/llm/provider.js';
import { FakeModelServer, type ScriptedTurn } from '../helpers/fake-model-servers.js';

const tools = { read_file: tool({ description: 'r', inputSchema: jsonSchema({ type: 'object', properties: { path: { type: 'string' } } }) }) };
const cases: Array<[string, 'openai' | 'anthropic', ScriptedTurn]> = [
  ['ok', 'openai', { text: 'hi' }],
  ['ok', 'anthropic', { text: 'hi' }],
  ['cut end', 'openai', { text: 'hi', cut: 'end' }],
  ['cut end', 'anthropic', { text: 'hi', cut: 'end' }],
  ['cut tool', 'openai', { text: 'hi', toolCalls: [{ name: 'read_file', args: { path: 'a.txt' } }], cut: 'toolCall' }],
  ['cut tool', 'anthropic', { text: 'hi', toolCalls: [{ name: 'read_file', args: { path: 'a.txt' } }], cut: 'toolCall' }],
  ['length', 'openai', { text: 'hi', finish: 'length' }],
  ['length', 'anthropic', { text: 'hi', finish: 'length' }],
  ['err', 'openai', { streamError: { type: 'server_error', message: 'overloaded now', code: 'overloaded' }, afterText: 'x' }],
  ['err', 'anthropic', { streamError: { type: 'overloaded_error', message: 'Overloaded' }, afterText: 'x' }],
  ['err first', 'anthropic', { streamError: { type: 'overloaded_error', message: 'Overloaded' } }],
  ['reset0', 'openai', { reset: 'beforeFirstByte' }],
  ['reset0', 'anthropic', { reset: 'beforeFirstByte' }],
  ['resetmid', 'openai', { reset: 'midStream', afterText: 'partial' }],
  ['resetmid', 'anthropic', { reset: 'midStream', afterText: 'partial' }],
  ['badjson', 'openai', { toolCalls: [{ name: 'read_file', args: '{"path": "a' }] }],
  ['badjson', 'anthropic', { toolCalls: [{ name: 'read_file', args: '{"path": "a' }] }],
];
it('probes', async () => {
  for (const [name, format, turn] of cases) {
    const server = await FakeModelServer.start(format, [turn]);
    const model = createModel(format === 'openai' ? { name: 'x', type: 'openai-compatible', baseURL: server.baseURL, apiKeyEnv: null } : { name: 'x', type: 'anthropic', baseURL: server.baseURL, apiKeyEnv: 'JOBLINE_TEST_KEY' }, 'm');
    process.env.JOBLINE_TEST_KEY = 'k';
    const parts: string[] = [];
    try {
      const stream = streamText({ model, messages: [{ role: 'user', content: 'x' }], tools, maxRetries: 0, onError: () => {} });
      for await (const part of stream.fullStream) {
        if (part.type === 'error') parts.push(`error(${(part.error as any)?.constructor?.name}:${(part.error as any)?.message ?? JSON.stringify(part.error)} status=${(part.error as any)?.statusCode} cause=${(part.error as any)?.cause?.code ?? (part.error as any)?.cause?.message})`);
        else if (part.type === 'finish-step') parts.push(`finish-step(${part.finishReason},${part.rawFinishReason},${JSON.stringify([part.usage.inputTokens, part.usage.outputTokens, part.usage.inputTokenDetails.cacheReadTokens])})`);
        else if (part.type === 'tool-call') parts.push(`tool-call(${JSON.stringify(part.input)},${(part as any).invalid})`);
        else if (['text-delta', 'finish'].includes(part.type)) parts.push(part.type + (part.type === 'finish' ? `(${part.finishReason})` : ''));
      }
    } catch (error) {
      parts.push(`THROW ${(error as Error).name}: ${(error as Error).message}`);
    }
    console.log(`${format} ${name}: ${parts.join(' ')}`);
    await server.close();
  }
});
