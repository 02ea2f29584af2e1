// Writes docs/MUTATION.md from Stryker's JSON report (reports/mutation/mutation.json, written by
// `npm run test:mutation`): the score of every mutated file and the mutants that survived, so a
// reader sees which behaviour the fast tests do not pin down. Score as Stryker counts it:
// detected (killed or timed out) / valid (all but compile and runtime errors).
import { readFileSync, writeFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(new URL('../reports/mutation/mutation.json', import.meta.url), 'utf8'));
const rows = [];
const survivors = [];
let detectedAll = 0;
let validAll = 0;
// Static mutants (code run when a module loads) are ignored (stryker.config.json's ignoreStatic_comment);
// marked ones are those a `// Stryker disable` comment leaves out, each with its reason.
let staticAll = 0;
let markedAll = 0;
const isStatic = (mutant) => mutant.status === 'Ignored' && (mutant.statusReason ?? '').startsWith('Static mutant');
// Each mutated folder's own score, beside the whole.
const AREAS = [['model', 'src/jobs/model/'], ['service', 'src/jobs/service/'], ['store', 'src/store/'], ['server', 'src/server/'], ['text', 'src/text/']];
const areas = new Map(AREAS.map(([name]) => [name, { detected: 0, valid: 0 }]));
for (const [path, file] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  const count = (...statuses) => file.mutants.filter((mutant) => statuses.includes(mutant.status)).length;
  const detected = count('Killed', 'Timeout');
  const valid = file.mutants.length - count('CompileError', 'RuntimeError', 'Ignored');
  detectedAll += detected;
  validAll += valid;
  const statics = file.mutants.filter(isStatic).length;
  staticAll += statics;
  markedAll += count('Ignored') - statics;
  const area = AREAS.find(([, prefix]) => path.startsWith(prefix));
  if (area) {
    areas.get(area[0]).detected += detected;
    areas.get(area[0]).valid += valid;
  }
  rows.push(`| ${path} | ${valid === 0 ? '-' : ((100 * detected) / valid).toFixed(1)} | ${count('Killed')} | ${count('Timeout')} | ${count('Survived')} | ${count('NoCoverage')} | ${statics} | ${count('Ignored') - statics} |`);
  for (const mutant of file.mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage')) {
    survivors.push(`- ${path}:${mutant.location.start.line} ${mutant.mutatorName} (${mutant.status === 'NoCoverage' ? 'no test reaches it' : 'survived'})`);
  }
}
const score = ((100 * detectedAll) / validAll).toFixed(1);
const areaRows = AREAS.map(([name, prefix]) => {
  const { detected, valid } = areas.get(name);
  return `| ${name} (\`${prefix}\`) | ${valid === 0 ? '-' : ((100 * detected) / valid).toFixed(1)} | ${detected} | ${valid} |`;
});
const text = `# Mutation testing

Produced by \`npm run test:mutation\` on ${new Date().toISOString()}: Stryker 9.6 with its
vitest runner mutates the pure model (\`src/jobs/model/\`: the state machine, tasks and runs, the
scheduler, claims), the job service (\`src/jobs/service/\`), the store (\`src/store/\`: the jobs
folder's files, claims, names, logs), the server (\`src/server/\`: the API, the dashboard's
routes, the event stream) and the text helpers (\`src/text/\`: the key scrubber, JSON errors), and
runs the fast tests against each mutant (\`vitest.mutation.config.ts\`: no threads, no processes,
no network; the service runs on an in-memory repository and a scripted executor, the store on temp
folders, the server through Hono's \`app.request\` in-process). A mutant is detected when a test
fails (killed) or hangs (timeout). Goal: at least 90%. Left out (stryker.config.json's \`_comment\`
says why): files of types only, and code that runs only in a write thread.

Static mutants are not in the score (stryker.config.json's \`ignoreStatic_comment\` says why): they sit
in code that runs when a module loads (tables, zod schemas, patterns), which no single test covers,
so each would need the whole suite run again. Each file's count is in the column "static".

Marked mutants are left out by a \`// Stryker disable next-line <mutator>: <why>\` comment in the
source, each with its reason: an equivalent mutant (no behaviour tells it apart), or a table or
pattern made when its module loads that Stryker reports as a survivor because its switch reaches
only code run during a test (the module was loaded before). Each of the latter was planted by hand
with \`node scripts/plant-mutants.mjs\` and failed the test file its comment names.

**Score: ${score}%** (${detectedAll} of ${validAll} mutants detected; ${staticAll} static and ${markedAll} marked mutants left out).

| area | score % | detected | mutants |
|---|---|---|---|
${areaRows.join('\n')}

| file | score % | killed | timeout | survived | no coverage | static | marked |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}

## Mutants not detected

${survivors.length === 0 ? 'None.' : survivors.join('\n')}
`;
writeFileSync(new URL('../docs/MUTATION.md', import.meta.url), text);
process.stdout.write(`docs/MUTATION.md: score ${score}% (${detectedAll}/${validAll})\n`);
