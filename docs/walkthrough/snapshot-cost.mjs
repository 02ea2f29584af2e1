// How long recording a workspace as a git tree takes (the cost added before and after each phase).
// Usage: node snapshot-cost.mjs <jobline checkout, built> <repo>...
import { execSync } from 'node:child_process';
const { snapshotWorkspace } = await import(process.argv[2] + '/dist/agents/workspace-snapshot.js');
for (const repo of process.argv.slice(3)) {
  const times = [];
  for (let i = 0; i < 7; i++) { const start = performance.now(); snapshotWorkspace(repo); times.push(performance.now() - start); }
  times.sort((a, b) => a - b);
  console.log(`${repo}: ${execSync(`git -C ${repo} ls-files | wc -l`).toString().trim()} tracked files, snapshot median ${times[3].toFixed(1)} ms (min ${times[0].toFixed(1)}, max ${times[6].toFixed(1)})`);
}
