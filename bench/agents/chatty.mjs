// Bench agent: 10,000 progress events and 10,000 output lines a second until cancelled (or 60 s).
export async function runPhase(context) {
  let count = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < 100; i++) {
      count++;
      context.report.progress({ lastEvent: `event ${count}` });
      context.report.output(`line ${count}\n`);
    }
  }, 10);
  await new Promise((resolve) => {
    context.signal.addEventListener('abort', resolve, { once: true });
    setTimeout(resolve, 60_000);
  });
  clearInterval(timer);
  return context.signal.aborted ? { kind: 'cancelled' } : { kind: 'completed', output: `${count} events` };
}
