// Showing a long text the way the user reads long texts: in their pager ($PAGER, else `less -R`),
// or printed when there is none.
import { spawn } from 'node:child_process';

/**
 * Pipes `text` into the user's pager and resolves when it is closed. The pager reads keys from
 * the terminal itself, so the caller must not be reading stdin meanwhile. Without a pager (none
 * found, or `output` is not a terminal) the text is written to `output`.
 */
export async function showInPager(text: string, output: NodeJS.WriteStream = process.stdout): Promise<void> {
  const pager = process.env.PAGER?.trim() || 'less -R';
  if (!output.isTTY) {
    output.write(text);
    return;
  }
  const status = await new Promise<number | null>((resolve) => {
    const child = spawn('/bin/sh', ['-c', `exec ${pager}`], { stdio: ['pipe', 'inherit', 'inherit'] });
    child.stdin.on('error', () => {}); // the pager quit before reading everything
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code));
    child.stdin.end(text);
  });
  // 127: the shell found no such pager.
  if (status === 127) output.write(text);
}
