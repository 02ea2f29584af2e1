// One phase of an LLM agent, inside a worker: the model is called once per round with the phase's
// tools; jobline runs the tool calls itself (confined to the workspace) and sends the results
// back, until the model answers without tools (the phase's output) or the round cap is hit. An
// answer counts only with a proper end (model-call.ts): one cut at the output limit is continued,
// a few times at most, and in a phase the tests decide, a failing last test run fails it.
import { jsonSchema, tool, type LanguageModel, type ModelMessage, type ToolSet } from 'ai';
import type { LlmAgentSpec, PhaseContext, PhaseOutcome, PlannedTask } from '../agent.js';
import type { ShellLauncher } from '../../jobs/process/shell-launcher.js';
import { callModel } from './model-call.js';
import { fitToContext } from './context-window.js';
import { readProjectInstructions, withProjectInstructions } from './project-instructions.js';
import { buildPhasePrompt } from './phase-prompt.js';
import { ProviderError, createModel } from './provider.js';
import { TestVerdict } from './test-verdict.js';
import { TOOL_DEFINITIONS } from './tool-definitions.js';
import { NO_USAGE, addUsage, formatUsage, priceUsage, type TokenUsage } from '../../jobs/model/usage.js';
import { describeToolCall, executeTool } from './tools.js';

export { MAX_MODEL_RETRIES, MODEL_IDLE_TIMEOUT_MS } from './model-call.js';

// The SDK prints its warnings with console.warn; from a worker they would land on the REPL's
// screen, over the prompt. jobline reports what matters through the job instead.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

/** Answers cut at the output limit that are continued in a row before the phase fails. */
export const MAX_CONTINUATIONS = 3;

/** What the model is told after an answer cut at its output limit. */
export const CONTINUE_PROMPT = 'Your answer was cut off at the output limit. Continue exactly where it stopped, without repeating what you already wrote. If you were calling a tool, call it again in full.';

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
  // The project's AGENTS.md (or CLAUDE.md), unless the agent says not to read it.
  const instructions = agent.instructions === false ? null : readProjectInstructions(agent.workspace);
  const system = withProjectInstructions(phase.instructions, instructions);
  const toolsSize = JSON.stringify(phase.tools.map((name) => TOOL_DEFINITIONS[name])).length;
  let { toolCalls, llmCalls } = context.progress;
  // The run's own tokens, priced as the provider's config says (prices by model, else price).
  const price = agent.provider.prices?.[agent.model] ?? agent.provider.price;
  let usage: TokenUsage = NO_USAGE;
  let callUsage: TokenUsage | null = null;
  // What the run's tools record: the files it wrote, the tasks it planned (create_tasks).
  const filesModified = new Set<string>();
  const plan: { tasks: PlannedTask[] | null } = { tasks: null };
  const tests = new TestVerdict(phase.validates === true, agent.validateCommand);
  const ended = (outcome: PhaseOutcome): PhaseOutcome => {
    if (outcome.kind === 'cancelled') return outcome;
    return { ...outcome, ...(context.task ? { filesModified: [...filesModified] } : {}), ...(llmCalls > context.progress.llmCalls ? { usage } : {}), ...(instructions ? { instructions: instructions.description } : {}) };
  };
  // The text of answers cut at the output limit, continued by the next.
  let cutText = '';
  let continuations = 0;

  for (let round = 1; ; round++) {
    if (context.signal.aborted) return { kind: 'cancelled' };
    if (round > phase.maxRounds) return ended({ kind: 'failed', error: `exceeded ${phase.maxRounds} rounds` });
    // The budget is checked before each model call, never in the middle of a tool call.
    await context.budget?.beforeModelCall(usage);
    if (context.signal.aborted) return { kind: 'cancelled' };
    // Never more than the model's context: the oldest tool results go first, with a marker.
    if (agent.provider.contextTokens) {
      const fit = fitToContext(system, messages, toolsSize, agent.provider.contextTokens);
      if ('error' in fit) return ended({ kind: 'failed', error: fit.error });
      if (fit.trimmed > 0 || fit.isFirstCut) context.report.activity('✂', `Trimmed ${fit.trimmed} older tool result${fit.trimmed === 1 ? '' : 's'}${fit.isFirstCut ? ' and the middle of the phase\'s first message' : ''} to stay within the model's context (${agent.provider.contextTokens} tokens)`);
    }
    context.report.progress({ round, lastEvent: `Round ${round}: waiting for the model` });
    callUsage = null;
    const result = await callModel(model, agent.provider, { system, messages, tools }, context.signal, {
      attemptStarted: () => context.report.progress({ llmCalls: ++llmCalls }),
      text: (delta) => (context.report.text ? context.report.text(delta) : context.report.output(delta)),
      usage: (tokens) => {
        const priced = priceUsage(tokens, price);
        callUsage = addUsage(callUsage ?? NO_USAGE, priced);
        usage = addUsage(usage, priced);
        context.report.progress({ usage: addUsage(context.progress.usage, usage) });
      },
      retrying: (why, delayMs, attempt) => context.report.activity('⚠', `Model call failed (${why}); retrying in ${Math.round(delayMs / 100) / 10} s (attempt ${attempt})`),
    });
    if (result.kind !== 'turn') return ended(result);
    const { turn } = result;
    const tokens = callUsage ? ` · ${formatUsage(callUsage)}` : '';
    context.report.activity('💭', `${turn.finish === 'length' ? 'LLM response cut off at the output limit' : 'LLM response received'}${tokens}`);

    if (turn.finish === 'length') {
      // Never a finished answer: its tool calls may be cut too, so none is run; the model goes on.
      if (++continuations > MAX_CONTINUATIONS) {
        return ended({ kind: 'failed', error: `the model's answer was cut off at its output limit ${continuations} times in a row (finish reason "length"); ask for less, or raise the model's output limit`, output: (cutText + turn.text).trim() || null });
      }
      cutText += turn.text;
      messages.push({ role: 'assistant', content: [{ type: 'text', text: turn.text || '(cut off)' }] });
      messages.push({ role: 'user', content: CONTINUE_PROMPT });
      continue;
    }
    continuations = 0;
    if (turn.toolCalls.length === 0) {
      const output = (cutText + turn.text).trim() || '(the model gave no answer)';
      const failing = tests.failure();
      // Interactive jobs ask (go on, and end failed; retry; cancel); background ones fail here.
      if (failing) return ended({ kind: 'failed', error: failing, output, asks: true });
      return ended({ kind: 'completed', output, ...(plan.tasks ? { tasks: plan.tasks } : {}) });
    }
    cutText = '';

    messages.push({
      role: 'assistant',
      content: [
        ...(turn.text ? [{ type: 'text' as const, text: turn.text }] : []),
        // Arguments that were not JSON go back as an empty object: Anthropic requires an object.
        ...turn.toolCalls.map((call) => ({ type: 'tool-call' as const, toolCallId: call.id, toolName: call.name, input: call.invalidInput ? {} : call.input })),
      ],
    });
    const results = [];
    for (const call of turn.toolCalls) {
      if (context.signal.aborted) return { kind: 'cancelled' };
      toolCalls++;
      const described = describeToolCall(call.name, call.input);
      context.report.progress({ toolCalls, lastEvent: `Called ${described}` });
      context.report.activity('🔧', described);
      const outcome = call.invalidInput
        ? { isError: true, text: `${call.name}: ${call.invalidInput}` }
        : await executeTool(call.name, call.input, phase.tools, { workspace: agent.workspace, allowCommands: agent.allowCommands, signal: context.signal, report: context.report, launcher, removeEnv: agent.secretEnvNames, ...(context.worktree ? { env: { JOBLINE_WORKTREE: context.worktree } } : {}), filesModified, plan, ...(context.task ? { task: context.task } : {}), ...(context.jobFolder ? { jobFolder: context.jobFolder } : {}) });
      if (call.name === 'run_command' && 'exitCode' in outcome) tests.record(String((call.input as { command?: unknown })?.command ?? ''), outcome.exitCode ?? null);
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
