import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReplSession, percentile, tempDir } from './lib.mjs';
const PROMPT = 'jobline:sh> ';
const cwd = tempDir();
writeFileSync(join(cwd, '.jobrc.json'), JSON.stringify({ maxConcurrentJobs: 1 }));
const s = new ReplSession(cwd, { JOBLINE_JOBS_DIR: join(cwd, 'jobs') }, [], process.argv[2] ? ['--cpu-prof', `--cpu-prof-dir=${process.argv[2]}`] : []);
await s.when((o) => o.includes(PROMPT));
const samples = [];
const windows = [];
for (let i = 0; i < 220; i++) {
  const from = s.output.length;
  const sent = performance.now();
  const sentUs = Number(process.hrtime.bigint() / 1000n);
  s.write('true\r');
  const ready = await s.when((o) => { const k = o.indexOf('Started', from); return k !== -1 && o.indexOf(PROMPT, k) !== -1; });
  if (i >= 20) { samples.push(ready - sent); windows.push({ sentUs, ms: ready - sent }); }
  await s.whenAfter(from, 'Completed');
}
s.process.write('/exit\r');
await Promise.race([s.exited, new Promise((r) => setTimeout(r, 3000))]);
s.kill?.('SIGTERM');
writeFileSync('/tmp/lead/windows.json', JSON.stringify(windows));
console.log('p50', percentile(samples, 50).toFixed(2), 'p99', percentile(samples, 99).toFixed(2), 'max', Math.max(...samples).toFixed(2));
