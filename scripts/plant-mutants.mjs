// Plants, by hand, each mutant a Stryker report left undetected in one file, runs the given test
// files against it, and says whether they caught it; the file is restored afterwards (also on
// Ctrl+C). For code that runs when a module loads (tables, patterns): Stryker switches mutants on
// while tests run, after the module was loaded, so it reports those as survivors however well
// they are tested. A mutant caught here is marked `// Stryker disable next-line <mutator>: made
// when the module loads …` naming the test file (docs/MUTATION.md).
//
// usage: node scripts/plant-mutants.mjs REPORT.json src/file.ts LINES|all test/file.test.ts...
//   LINES: comma-separated line numbers of the mutants to plant (all: every undetected one).
// Exits 1 when any planted mutant was missed.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const [reportPath, file, lines, ...tests] = process.argv.slice(2);
if (!reportPath || !file || !lines || tests.length === 0) {
  console.error('usage: node scripts/plant-mutants.mjs REPORT.json src/file.ts LINES|all test/file.test.ts...');
  process.exit(2);
}
const report = JSON.parse(readFileSync(reportPath, 'utf8'));
const entry = Object.entries(report.files).find(([name]) => name === file || name.endsWith(`/${file}`))?.[1];
if (!entry) {
  console.error(`${file} is not in ${reportPath}.`);
  process.exit(2);
}
const original = readFileSync(file, 'utf8');
const restore = () => writeFileSync(file, original);
process.on('SIGINT', () => {
  restore();
  process.exit(130);
});
const wanted = lines === 'all' ? null : new Set(lines.split(',').map(Number));
const sourceLines = original.split('\n');
// Stryker's locations: 1-based lines, 1-based columns.
const offsetOf = ({ line, column }) => sourceLines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0) + column - 1;
let missed = 0;
try {
  for (const mutant of entry.mutants) {
    if (mutant.status !== 'Survived' && mutant.status !== 'NoCoverage') continue;
    if (wanted && !wanted.has(mutant.location.start.line)) continue;
    writeFileSync(file, original.slice(0, offsetOf(mutant.location.start)) + mutant.replacement + original.slice(offsetOf(mutant.location.end)));
    let isCaught = false;
    try {
      execFileSync('npx', ['vitest', 'run', '--config', 'vitest.mutation.config.ts', ...tests], { stdio: 'pipe' });
    } catch {
      isCaught = true;
    }
    if (!isCaught) missed++;
    console.log(`${isCaught ? 'caught' : 'MISSED'} ${file}:${mutant.location.start.line}:${mutant.location.start.column} ${mutant.mutatorName} -> ${JSON.stringify(mutant.replacement).slice(0, 100)}`);
  }
} finally {
  restore();
}
process.exit(missed > 0 ? 1 : 0);
