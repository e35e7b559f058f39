/**
 * Who owns a run: the process that created it, recorded as the run's tag
 * `odelab.owner` (host, pid and the process's start time), so that a run left
 * RUNNING by a process that died (SIGKILL, out of memory, power cut) can be
 * told from one that is still training.
 *
 * A pid alone is not enough: pids are reused, so a run would look alive for
 * as long as some unrelated process holds its old pid. The start time (Linux:
 * field 22 of /proc/<pid>/stat, clock ticks since boot) tells the two apart.
 * Where it cannot be read (not Linux) the owner is judged by its pid alone.
 * A run owned by a process on another host is never judged here: only that
 * host can tell whether its owner lives.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export const OWNER_TAG = 'odelab.owner';

export interface RunOwner {
  host: string;
  pid: number;
  /** The process's start time as the OS gives it (Linux: clock ticks since boot); absent where unknown. */
  start?: string;
}

/** The start time of process `pid` (Linux), or undefined when it cannot be read (gone, or another OS). */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces and ')': split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = fields[19]; // field 22 overall; fields[0] here is field 3
    return start && /^\d+$/.test(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

let self: RunOwner | undefined;

/** This process as a run owner. */
export function currentOwner(): RunOwner {
  if (!self) {
    const start = processStart(process.pid);
    self = { host: hostname(), pid: process.pid, ...(start ? { start } : {}) };
  }
  return self;
}

/** The tag value recorded on a run: JSON `{"host","pid","start"}`. */
export function formatOwner(owner: RunOwner): string {
  return JSON.stringify(owner);
}

/** Read a run's owner tag; undefined when absent or not one of ours. */
export function parseOwner(value: string | undefined): RunOwner | undefined {
  if (value === undefined) return undefined;
  try {
    const o = JSON.parse(value) as Partial<RunOwner>;
    if (typeof o.host !== 'string' || typeof o.pid !== 'number' || !Number.isSafeInteger(o.pid) || o.pid <= 0) return undefined;
    return { host: o.host, pid: o.pid, ...(typeof o.start === 'string' ? { start: o.start } : {}) };
  } catch {
    return undefined;
  }
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * - alive: the owner process still runs (or it is this process)
 * - dead: it is on this host and gone (or its pid now belongs to a process started later)
 * - elsewhere: it is on another host; not ours to judge
 */
export type OwnerState = 'alive' | 'dead' | 'elsewhere';

export function ownerState(owner: RunOwner): OwnerState {
  if (owner.host !== hostname()) return 'elsewhere';
  if (owner.pid === process.pid) return owner.start === undefined || owner.start === currentOwner().start ? 'alive' : 'dead';
  if (!pidExists(owner.pid)) return 'dead';
  if (owner.start === undefined) return 'alive';
  const now = processStart(owner.pid);
  return now === undefined || now === owner.start ? 'alive' : 'dead';
}
