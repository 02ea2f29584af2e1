// One phase of an LLM agent, inside a worker: the model is called once per round with the phase's
// tools; jobline runs the tool calls itself (confined to the workspace) and sends the results
// back, until the model answers without tools (the phase's output) or the round cap is hit.
import { jsonSchema, streamText, tool, type LanguageModel, type ModelMessage, type ToolSet } from 'ai';
import type { LlmAgentSpec, LlmPhaseSpec, PhaseContext, PhaseOutcome, PlannedTask } from '../agent.js';
import type { ShellLauncher } from '../../jobs/process/shell-launcher.js';
import { ProviderError, createModel, describeProviderError, getRetryDelayMs, isRetryableStatus } from './provider.js';
import { TOOL_DEFINITIONS } from './tool-definitions.js';
import { describeToolCall, executeTool } from './tools.js';

// The SDK prints its warnings with console.warn; from a worker they would land on the REPL's
// screen, over the prompt. jobline reports what matters through the job instead.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

/** Retries of one model call after a rate limit or server error (so at most 4 attempts). */
export const MAX_MODEL_RETRIES = 3;
/** A model call that sends nothing for this long is abandoned (ms). */
export const MODEL_IDLE_TIMEOUT_MS = 120_000;

interface ModelTurn {
  text: string;
  toolCalls: Array<{ id: string; name: string; input: unknown }>;
}

type TurnResult = { kind: 'turn'; turn: ModelTurn } | { kind: 'cancelled' } | { kind: 'failed'; error: string };

/** Runs phase `context.phaseIndex` of `agent`; run_command's shells start through `launcher`. Never throws: failures are outcomes. */
export async function runLlmPhase(agent: LlmAgentSpec, context: PhaseContext, launcher: ShellLauncher): Promise<PhaseOutcome> {
  const phase = agent.phases[context.phaseIndex];
  if (!phase) return { kind: 'failed', error: `agent ${agent.name} has no phase ${context.phaseIndex + 1}` };
  let model: LanguageModel;
  try {
    model = createModel(agent.provider, agent.model);
  } catch (error) {
    return { kind: 'failed', error: error instanceof ProviderError ? error.message : String(error) };
  }
  const tools: ToolSet = Object.fromEntries(phase.tools.map((name) => [name, tool({ description: TOOL_DEFINITIONS[name].description, inputSchema: jsonSchema(TOOL_DEFINITIONS[name].parameters) })]));
  const messages: ModelMessage[] = [{ role: 'user', content: buildPhasePrompt(phase, context) }];
  let { toolCalls, llmCalls } = context.progress;
  // What the run's tools record: the files it wrote, the tasks it planned (create_tasks).
  const filesModified = new Set<string>();
  const plan: { tasks: PlannedTask[] | null } = { tasks: null };
  const ended = (outcome: PhaseOutcome): PhaseOutcome => (outcome.kind === 'cancelled' || !context.task ? outcome : { ...outcome, filesModified: [...filesModified] });

  for (let round = 1; ; round++) {
    if (context.signal.aborted) return { kind: 'cancelled' };
    if (round > phase.maxRounds) return ended({ kind: 'failed', error: `exceeded ${phase.maxRounds} rounds` });
    llmCalls++;
    context.report.progress({ round, llmCalls, lastEvent: `Round ${round}: waiting for the model` });
    const result = await callModel(model, agent, phase, messages, tools, context);
    if (result.kind !== 'turn') return ended(result);
    const { turn } = result;
    context.report.activity('💭', 'LLM response received');
    if (turn.toolCalls.length === 0) return ended({ kind: 'completed', output: turn.text.trim() || '(the model gave no answer)', ...(plan.tasks ? { tasks: plan.tasks } : {}) });

    messages.push({
      role: 'assistant',
      content: [
        ...(turn.text ? [{ type: 'text' as const, text: turn.text }] : []),
        ...turn.toolCalls.map((call) => ({ type: 'tool-call' as const, toolCallId: call.id, toolName: call.name, input: call.input })),
      ],
    });
    const results = [];
    for (const call of turn.toolCalls) {
      if (context.signal.aborted) return { kind: 'cancelled' };
      toolCalls++;
      const described = describeToolCall(call.name, call.input);
      context.report.progress({ toolCalls, lastEvent: `Called ${described}` });
      context.report.activity('🔧', described);
      const outcome = await executeTool(call.name, call.input, phase.tools, { workspace: agent.workspace, allowCommands: agent.allowCommands, signal: context.signal, report: context.report, launcher, removeEnv: agent.secretEnvNames, ...(context.worktree ? { env: { JOBLINE_WORKTREE: context.worktree } } : {}), filesModified, plan, ...(context.task ? { task: context.task } : {}) });
      results.push({
        type: 'tool-result' as const,
        toolCallId: call.id,
        toolName: call.name,
        output: outcome.isError ? { type: 'error-text' as const, value: outcome.text } : { type: 'text' as const, value: outcome.text },
      });
    }
    messages.push({ role: 'tool', content: results });
  }
}

// The first message of a phase: the user's request, retry feedback, earlier phases' results
// and, for one task of a phase of several, that task and the files it may change.
function buildPhasePrompt(phase: LlmPhaseSpec, context: PhaseContext): string {
  const parts = [`Request: ${context.prompt}`];
  if (context.feedback) parts.push(`The user reviewed your previous attempt at this phase and asks: ${context.feedback}`);
  const earlier = context.previousOutputs.filter((record) => record.output);
  if (earlier.length > 0) parts.push(`Results of the earlier phases:\n${earlier.map((record) => `## ${record.name}\n${record.output}`).join('\n\n')}`);
  const { task } = context;
  if (task) {
    parts.push(`You are one of several workers of the "${phase.name}" phase. Your task is ${task.id}: ${task.title}\n${task.description}`);
    parts.push(`You may create or modify only these files: ${task.claims.length > 0 ? task.claims.join(', ') : '(none: this task changes no file)'}. Other workers are changing other files at the same time.`);
    parts.push(`Do your task only, then answer with what you did.`);
  } else {
    parts.push(`Now do the "${phase.name}" phase.`);
  }
  return parts.join('\n\n');
}

// One round: a streamed model call, retried after rate limits and server errors as long as
// nothing was received yet.
async function callModel(model: LanguageModel, agent: LlmAgentSpec, phase: LlmPhaseSpec, messages: ModelMessage[], tools: ToolSet, context: PhaseContext): Promise<TurnResult> {
  for (let attempt = 1; ; attempt++) {
    // An idle timeout, not a cap on the call: every part received starts it again, so a slow
    // model streaming a long answer is never cut off, and a silent one is.
    const idleTimeoutMs = agent.provider.idleTimeoutMs ?? MODEL_IDLE_TIMEOUT_MS;
    const idle = new AbortController();
    let idleTimer = setTimeout(() => idle.abort(), idleTimeoutMs);
    const touch = (): void => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => idle.abort(), idleTimeoutMs);
    };
    const turn: ModelTurn = { text: '', toolCalls: [] };
    let failure: unknown = null;
    try {
      // onError: errors arrive as 'error' parts and become outcomes; the SDK's default would print
      // them (with whatever the server said, possibly echoing a key) to the terminal.
      const stream = streamText({ model, system: phase.instructions, messages, tools, maxRetries: 0, abortSignal: AbortSignal.any([context.signal, idle.signal]), onError: () => {} });
      for await (const part of stream.fullStream) {
        touch();
        if (part.type === 'text-delta') {
          turn.text += part.text;
          context.report.output(part.text);
        } else if (part.type === 'tool-call') {
          turn.toolCalls.push({ id: part.toolCallId, name: part.toolName, input: part.input });
        } else if (part.type === 'error') {
          failure = part.error;
        } else if (part.type === 'abort') {
          failure = new Error('aborted');
        }
      }
    } catch (error) {
      failure = error;
    } finally {
      clearTimeout(idleTimer);
    }
    if (turn.text && !turn.text.endsWith('\n')) context.report.output('\n');
    if (context.signal.aborted) return { kind: 'cancelled' };
    if (failure === null) return { kind: 'turn', turn };
    if (idle.signal.aborted) return { kind: 'failed', error: `the model sent nothing for ${idleTimeoutMs / 1000} s` };
    const hasReceived = turn.text !== '' || turn.toolCalls.length > 0;
    if (!hasReceived && isRetryableStatus(failure) && attempt <= MAX_MODEL_RETRIES) {
      const delay = getRetryDelayMs(failure, attempt);
      context.report.progress({ lastEvent: `Model busy (${(failure as { statusCode?: number }).statusCode}); retrying in ${Math.round(delay / 100) / 10} s` });
      await sleepUnlessAborted(delay, context.signal);
      continue;
    }
    return { kind: 'failed', error: describeProviderError(failure, agent.provider, attempt) };
  }
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
