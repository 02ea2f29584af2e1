// Optional self-measurement for benchmarks: with JOBLINE_DIAGNOSTICS_FILE set, the REPL records
// its event-loop delay and writes the percentiles there (JSON, ms) when it quits.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Environment variable naming the file to write diagnostics to. */
export const DIAGNOSTICS_ENV = 'JOBLINE_DIAGNOSTICS_FILE';

/**
 * Starts measuring when `env` asks for it; returns a function that writes the figures (sync, for
 * exit paths), or a no-op. Resolution 1 ms (perf_hooks.monitorEventLoopDelay).
 */
export function startDiagnostics(env: NodeJS.ProcessEnv = process.env): () => void {
  const path = env[DIAGNOSTICS_ENV];
  if (!path) return () => {};
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  return () => {
    histogram.disable();
    const ms = (ns: number): number => Math.round((ns / 1e6) * 1000) / 1000;
    const figures = { eventLoopDelayMs: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), samples: histogram.count } };
    try {
      writeFileSync(path, `${JSON.stringify(figures)}\n`);
    } catch {
      // Diagnostics never stand in the way of quitting.
    }
  };
}
