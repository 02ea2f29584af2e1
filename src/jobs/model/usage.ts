// Tokens and cost of model calls, and a job's budget: pure arithmetic on the counters the job
// model keeps (JobProgress.usage for the job, PhaseState.usage per phase, Run.usage per run).

/**
 * Tokens of model calls, summed: `input` all input tokens (cached ones included), `cached` those
 * the provider read from its cache, `output` the output tokens; `costUsd` their price in dollars
 * when the provider's price is configured (absent: unknown, tokens only).
 */
export interface TokenUsage {
  input: number;
  output: number;
  cached: number;
  costUsd?: number;
}

/**
 * A job's budget (`--budget-tokens`, `--budget-usd`, an agent's or template's `budget`): the job
 * stops before its next model call once its tokens (input + output) or its cost reach either.
 */
export interface JobBudget {
  tokens?: number;
  usd?: number;
}

/** No tokens yet. */
export const NO_USAGE: TokenUsage = Object.freeze({ input: 0, output: 0, cached: 0 });

/** `a` + `b`; the cost is known when either's is (absent counts as 0). */
export function addUsage(a: TokenUsage | undefined, b: TokenUsage | undefined): TokenUsage {
  const left = a ?? NO_USAGE;
  const right = b ?? NO_USAGE;
  const sum: TokenUsage = { input: left.input + right.input, output: left.output + right.output, cached: left.cached + right.cached };
  if (left.costUsd !== undefined || right.costUsd !== undefined) sum.costUsd = roundUsd((left.costUsd ?? 0) + (right.costUsd ?? 0));
  return sum;
}

/** `a` − `b`, never below 0 (what one run added since it last reported). */
export function subtractUsage(a: TokenUsage | undefined, b: TokenUsage | undefined): TokenUsage {
  const left = a ?? NO_USAGE;
  const right = b ?? NO_USAGE;
  const difference: TokenUsage = { input: Math.max(0, left.input - right.input), output: Math.max(0, left.output - right.output), cached: Math.max(0, left.cached - right.cached) };
  if (left.costUsd !== undefined) difference.costUsd = roundUsd(Math.max(0, left.costUsd - (right.costUsd ?? 0)));
  return difference;
}

/** True when `usage` is zero (nothing counted). */
export function isNoUsage(usage: TokenUsage | undefined): boolean {
  return !usage || (usage.input === 0 && usage.output === 0 && usage.cached === 0 && !usage.costUsd);
}

/** Tokens that count against a budget: input + output. */
export function totalTokens(usage: TokenUsage | undefined): number {
  return usage ? usage.input + usage.output : 0;
}

// Dollars kept to a millionth of a cent: sums of many small calls stay exact enough to show.
function roundUsd(usd: number): number {
  return Math.round(usd * 1e8) / 1e8;
}

/** The price of a model's tokens in dollars per million (see priceSchema in the config). */
export interface Price {
  inputPerMTok: number;
  outputPerMTok: number;
  cachedInputPerMTok?: number;
}

/** `usage` with its cost at `price` (none: tokens only). Cached input is priced at `cachedInputPerMTok`, else at the input price. */
export function priceUsage(usage: Omit<TokenUsage, 'costUsd'>, price: Price | undefined): TokenUsage {
  if (!price) return { input: usage.input, output: usage.output, cached: usage.cached };
  const cached = Math.min(usage.cached, usage.input);
  const cost = ((usage.input - cached) * price.inputPerMTok + cached * (price.cachedInputPerMTok ?? price.inputPerMTok) + usage.output * price.outputPerMTok) / 1e6;
  return { input: usage.input, output: usage.output, cached: usage.cached, costUsd: roundUsd(cost) };
}

/** Which limits of `budget` `usage` has reached (empty: none, or no budget). */
export function findReachedLimits(usage: TokenUsage | undefined, budget: JobBudget | null | undefined): Array<'tokens' | 'usd'> {
  if (!budget) return [];
  const reached: Array<'tokens' | 'usd'> = [];
  // Stryker disable next-line ConditionalExpression: without a limit the comparison with undefined is false anyway; the check says so plainly
  if (budget.tokens !== undefined && totalTokens(usage) >= budget.tokens) reached.push('tokens');
  // Stryker disable next-line ConditionalExpression: as above, a number is never >= undefined
  if (budget.usd !== undefined && (usage?.costUsd ?? 0) >= budget.usd) reached.push('usd');
  return reached;
}

/** Share by which "continue" raises a reached budget (+50%). */
export const BUDGET_RAISE = 0.5;

/**
 * `budget` raised by BUDGET_RAISE of itself, each limit at least that much above what `usage`
 * already used (runs side by side may have gone past it before they heard).
 */
export function raiseBudget(budget: JobBudget, usage: TokenUsage | undefined): JobBudget {
  const raise = (limit: number, used: number): number => Math.max(limit * (1 + BUDGET_RAISE), used + limit * BUDGET_RAISE);
  return {
    ...(budget.tokens !== undefined ? { tokens: Math.ceil(raise(budget.tokens, totalTokens(usage))) } : {}),
    ...(budget.usd !== undefined ? { usd: Math.round(raise(budget.usd, usage?.costUsd ?? 0) * 100) / 100 } : {}),
  };
}

/** A token count for people: `512`, `34.5k`, `1.2M`. */
export function formatTokens(count: number): string {
  if (count < 1000) return String(count);
  if (count < 1_000_000) return `${trim(count / 1000)}k`;
  return `${trim(count / 1_000_000)}M`;
}

function trim(value: number): string {
  // Stryker disable next-line EqualityOperator,Regex: at exactly 100 both branches give "100"; toFixed(1) puts ".0" only at the end
  return value >= 100 ? String(Math.round(value)) : value.toFixed(1).replace(/\.0$/, '');
}

/** Dollars for people: `$3.40`, `$0.0123` below a cent. */
export function formatUsd(usd: number): string {
  return usd >= 0.01 || usd === 0 ? `$${usd.toFixed(2)}` : `$${usd.toPrecision(2)}`;
}

/** One line: `12.3k tokens (10k in, 2.3k out, 8k cached) · $0.04`; the cost only when known. */
export function formatUsage(usage: TokenUsage): string {
  const cached = usage.cached > 0 ? `, ${formatTokens(usage.cached)} cached` : '';
  const cost = usage.costUsd !== undefined ? ` · ${formatUsd(usage.costUsd)}` : '';
  return `${formatTokens(totalTokens(usage))} tokens (${formatTokens(usage.input)} in, ${formatTokens(usage.output)} out${cached})${cost}`;
}

/** What the budget stop says: `budget reached: 1.2M tokens, $3.40; continue with +50%?`. */
export function describeBudgetStop(usage: TokenUsage | undefined, budget: JobBudget): string {
  const parts = [`${formatTokens(totalTokens(usage))} tokens${budget.tokens !== undefined ? ` of ${formatTokens(budget.tokens)}` : ''}`];
  if (usage?.costUsd !== undefined || budget.usd !== undefined) parts.push(`${formatUsd(usage?.costUsd ?? 0)}${budget.usd !== undefined ? ` of ${formatUsd(budget.usd)}` : ''}`);
  return `budget reached: ${parts.join(', ')}; continue with +${BUDGET_RAISE * 100}%?`;
}
