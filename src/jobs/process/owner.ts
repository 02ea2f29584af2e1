// Which process owns a job, and whether that process is still alive. A pid alone is not enough:
// pids are reused, so the owner's start time (from /proc on Linux) must match too.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { JobOwner } from '../model/job.js';

// Linux reports process start times in clock ticks since boot; USER_HZ is 100 on every
// mainstream architecture (it is fixed in the kernel ABI, independent of CONFIG_HZ).
const CLOCK_TICKS_PER_SECOND = 100;
// The same formula gives the same value for the same process; the tolerance only absorbs a
// one-second adjustment of btime by NTP between two readings.
const START_TIME_TOLERANCE_MS = 1500;

let bootTimeMs: number | null | undefined;
let currentOwner: JobOwner | undefined;

function readBootTimeMs(): number | null {
  if (bootTimeMs !== undefined) return bootTimeMs;
  try {
    const match = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    bootTimeMs = match ? Number(match[1]) * 1000 : null;
  } catch {
    bootTimeMs = null;
  }
  return bootTimeMs;
}

/** The fields of /proc/<pid>/stat that jobline uses (proc(5)). */
export interface ProcessStat {
  /** One letter: R, S, D, Z (zombie), X (dead), ... */
  state: string;
  ppid: number;
  pgid: number;
  /** Start time in clock ticks since boot. */
  startTicks: number;
}

/** Reads /proc/<pid>/stat; null when the process (or /proc) does not exist. */
export function readProcessStat(pid: number): ProcessStat | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Field 2 (comm) may contain spaces and parentheses, so count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Counted from field 3 (state): ppid is field 4, pgrp field 5, starttime field 22.
  return { state: fields[0] ?? '', ppid: Number(fields[1]), pgid: Number(fields[2]), startTicks: Number(fields[19]) };
}

/**
 * Returns the start time (ms since the epoch) of process `pid` from /proc, `null` when no such
 * process exists, or `undefined` when this platform has no /proc to ask.
 */
export function readProcessStartMs(pid: number): number | null | undefined {
  const boot = readBootTimeMs();
  if (boot === null) return undefined;
  const stat = readProcessStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return null; // a zombie has exited; only its entry is left
  return Number.isFinite(stat.startTicks) ? boot + (stat.startTicks * 1000) / CLOCK_TICKS_PER_SECOND : undefined;
}

/** Returns the owner record for this process (pid, hostname, start time). Cached. */
export function getCurrentOwner(): JobOwner {
  if (!currentOwner) {
    const fromProc = readProcessStartMs(process.pid);
    const startedMs = typeof fromProc === 'number' ? fromProc : Date.now() - process.uptime() * 1000;
    currentOwner = { pid: process.pid, hostname: hostname(), processStartedAt: new Date(startedMs).toISOString() };
  }
  return currentOwner;
}

/** Returns true when `owner` is this very process. */
export function isCurrentProcess(owner: JobOwner): boolean {
  const me = getCurrentOwner();
  return owner.pid === me.pid && owner.hostname === me.hostname && owner.processStartedAt === me.processStartedAt;
}

/**
 * Tells whether the process recorded as `owner` is still running: `true`, `false`, or
 * `'unknown'` when it cannot be checked from here (another host).
 */
export function checkOwnerAlive(owner: JobOwner): boolean | 'unknown' {
  if (owner.hostname !== hostname()) return 'unknown';
  if (isCurrentProcess(owner)) return true;
  const startMs = readProcessStartMs(owner.pid);
  if (startMs === null) return false;
  if (startMs === undefined) return isPidRunning(owner.pid);
  const recorded = Date.parse(owner.processStartedAt);
  return Number.isFinite(recorded) && Math.abs(startMs - recorded) <= START_TIME_TOLERANCE_MS;
}

/** True while a process `pid` exists (signal 0; EPERM means it exists but is not ours). Pids are reused: see checkOwnerAlive. */
export function isPidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
