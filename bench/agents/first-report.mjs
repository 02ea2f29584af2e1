// Bench agent: reports at once when its phase starts running, then completes.
export async function runPhase(context) {
  context.report.progress({ lastEvent: 'running' });
  return { kind: 'completed', output: null };
}
