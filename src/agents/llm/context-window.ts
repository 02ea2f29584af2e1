// Keeping what a model call sends within the model's context (a provider's `contextTokens`): the
// size is estimated conservatively, and past it the oldest tool results are replaced by a marker
// first (the model can call the tool again), then the phase's first message is cut in its middle.
// A conversation that does not fit even so fails the call with a clear message, not the
// provider's 400.
import type { ModelMessage } from 'ai';

/** Characters per token the estimate assumes: on the safe side (English text and code average ~4). */
export const CHARS_PER_TOKEN = 3;

/** Tokens kept free for the answer: a quarter of the context, at most 8,192. */
export function reserveForAnswer(contextTokens: number): number {
  return Math.min(8192, Math.floor(contextTokens / 4));
}

/** The marker that replaces a tool result trimmed away. */
export function formatTrimmedMarker(chars: number, contextTokens: number): string {
  return `[jobline: this tool result (${chars} characters) was trimmed to keep the conversation within the model's context of ${contextTokens} tokens; call the tool again if you still need it]`;
}

/** Estimated tokens of `text` (see CHARS_PER_TOKEN). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

function messageSize(message: ModelMessage): number {
  return estimateTokens(typeof message.content === 'string' ? message.content : JSON.stringify(message.content));
}

type ToolResultPart = { type: 'tool-result'; output: { type: 'text' | 'error-text'; value: string } };

/**
 * Makes `messages` (changed in place) fit `contextTokens` with `system` and tool definitions of
 * `toolsSize` characters besides them, and room for the answer. Returns how many tool results it
 * trimmed and whether it cut the first message, or the reason it cannot fit.
 */
export function fitToContext(system: string, messages: ModelMessage[], toolsSize: number, contextTokens: number): { trimmed: number; isFirstCut: boolean } | { error: string } {
  const limit = contextTokens - reserveForAnswer(contextTokens) - estimateTokens(system) - Math.ceil(toolsSize / CHARS_PER_TOKEN);
  let total = messages.reduce((sum, message) => sum + messageSize(message), 0);
  let trimmed = 0;
  // The oldest tool results first; the latest round's last (the model is working with them).
  for (const message of messages) {
    if (total <= limit) break;
    if (message.role !== 'tool' || !Array.isArray(message.content)) continue;
    const before = messageSize(message);
    for (const part of message.content as unknown as ToolResultPart[]) {
      if (part.type !== 'tool-result' || typeof part.output?.value !== 'string') continue;
      const marker = formatTrimmedMarker(part.output.value.length, contextTokens);
      if (part.output.value.length <= marker.length || part.output.value.startsWith('[jobline: this tool result')) continue;
      part.output = { ...part.output, value: marker };
      trimmed++;
    }
    total += messageSize(message) - before;
  }
  let isFirstCut = false;
  const first = messages[0];
  if (total > limit && first && first.role === 'user' && typeof first.content === 'string') {
    // The request and earlier phases' results: its middle goes, its start and end stay.
    const room = Math.max(0, (limit - (total - messageSize(first))) * CHARS_PER_TOKEN - 200);
    if (room > 1000) {
      const text = first.content;
      const head = Math.floor(room * 0.6);
      first.content = `${text.slice(0, head)}\n[jobline: ${text.length - room} characters of this message were cut here to fit the model's context of ${contextTokens} tokens]\n${text.slice(text.length - (room - head))}`;
      total = messages.reduce((sum, message) => sum + messageSize(message), 0);
      isFirstCut = true;
    }
  }
  if (total > limit) return { error: `the conversation does not fit the model's context (contextTokens ${contextTokens}) even with its older tool results trimmed: about ${total + contextTokens - limit - reserveForAnswer(contextTokens)} tokens needed; raise contextTokens if the model has more, or ask for less` };
  return { trimmed, isFirstCut };
}
