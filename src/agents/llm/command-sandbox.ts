// Confining run_command's commands to the workspace, where Linux allows it without root: each runs
// in a mount namespace of its own (util-linux `unshare --user --map-root-user --mount`) in which
// every mount is remounted read-only but the workspace, /tmp and /dev/shm are fresh private
// tmpfs (gone with the command), and /proc stays as it is; the command itself then runs in a
// nested user namespace as the user it would have run as (`--map-user`), which owns no mount
// namespace and cannot undo the read-only mounts. A write outside the workspace fails with EROFS.
// Where namespaces are refused (no util-linux, a kernel or policy that forbids unprivileged user
// namespaces), commands run unconfined, and jobline says so once.
import { spawnSync } from 'node:child_process';

/** Whether run_command's commands are confined here, and if not, why. */
export type CommandSandbox = { kind: 'mount-namespace' } | { kind: 'none'; reason: string };

// The namespace's setup, as root of its own user namespace: the workspace is bound aside (under a
// private /dev/shm) before /tmp is covered by a tmpfs (the workspace may lie under /tmp), bound
// back in place, and then every other mount (but /proc, whose uid_map the nested namespace writes)
// is made read-only. `mount` names paths with octal escapes (`\040` for a space): undone by printf.
const SETUP = [
  'set -e',
  'ws=$(pwd -P)',
  'mount -t tmpfs -o mode=1777 tmpfs /dev/shm',
  'mkdir /dev/shm/.jobline-workspace',
  'mount --bind "$ws" /dev/shm/.jobline-workspace',
  'mount -t tmpfs -o mode=1777 tmpfs /tmp',
  'mkdir -p "$ws"',
  'mount --bind /dev/shm/.jobline-workspace "$ws"',
  'cd "$ws"',
  'awk \'{ print $2 }\' /proc/self/mounts | while read -r m; do',
  '  m=$(printf \'%b\' "$(printf \'%s\' "$m" | sed \'s/\\\\\\([0-7][0-7][0-7]\\)/\\\\0\\1/g\')")',
  '  case "$m" in "$ws"|/tmp|/dev/shm|/proc|/proc/*) continue;; esac',
  '  mount -o remount,bind,ro "$m" 2>/dev/null || true',
  'done',
  'cmd=$JOBLINE_SANDBOX_COMMAND; uid=$JOBLINE_SANDBOX_UID; gid=$JOBLINE_SANDBOX_GID',
  'unset JOBLINE_SANDBOX_COMMAND JOBLINE_SANDBOX_UID JOBLINE_SANDBOX_GID JOBLINE_SANDBOX_SETUP',
  'exec unshare --user --map-user="$uid" --map-group="$gid" /bin/sh -c "$cmd"',
].join('\n');

/**
 * `command` as a command line that runs it confined (see the file comment), with the variables
 * that line needs; run it with `/bin/sh -c` in the workspace, as the command would have been.
 */
export function wrapInSandbox(command: string): { command: string; env: Record<string, string> } {
  return {
    command: 'exec unshare --user --map-root-user --mount /bin/sh -c "$JOBLINE_SANDBOX_SETUP" jobline-sandbox',
    env: {
      JOBLINE_SANDBOX_SETUP: SETUP,
      JOBLINE_SANDBOX_COMMAND: command,
      JOBLINE_SANDBOX_UID: String(process.getuid?.() ?? 0),
      JOBLINE_SANDBOX_GID: String(process.getgid?.() ?? 0),
    },
  };
}

let detected: CommandSandbox | undefined;

/**
 * Whether commands can be confined here: found out once per thread by running the sandbox around
 * `exit 7` in `workspace` (about 20 ms). Never throws.
 */
export function detectCommandSandbox(workspace: string): CommandSandbox {
  if (detected) return detected;
  if (process.platform !== 'linux') return (detected = { kind: 'none', reason: `${process.platform} has no mount namespaces` });
  const probe = wrapInSandbox('exit 7');
  const result = spawnSync('/bin/sh', ['-c', probe.command], { cwd: workspace, env: { ...process.env, ...probe.env }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 5000, encoding: 'utf8' });
  if (result.status === 7) return (detected = { kind: 'mount-namespace' });
  const why = result.error ? result.error.message : (result.stderr || `exit ${result.status}`).trim().split('\n')[0];
  return (detected = { kind: 'none', reason: why || 'unknown' });
}
