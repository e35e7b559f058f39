/**
 * A child process bounded in time and memory, for the `scale` suite: killed
 * (SIGKILL, its whole process group) when it runs longer than `timeoutMs` or
 * when the resident memory of it and its descendants, polled from /proc
 * (Linux; elsewhere no memory cap), exceeds `maxRssKiB`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export interface BoundedOptions {
  timeoutMs: number;
  maxRssKiB: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  onStderr?: (text: string) => void;
}

export interface BoundedResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Why the suite killed it, if it did. */
  killed: 'time' | 'memory' | null;
  /** The largest RSS of the process tree seen by polling (KiB; 0 without /proc). */
  polledPeakKiB: number;
  wallMs: number;
}

function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** RSS of a process and all its descendants (KiB). */
export function treeRssKiB(pid: number): number {
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    total += rssKiB(p);
    stack.push(...children(p));
  }
  return total;
}

export function runBounded(command: string, args: readonly string[], o: BoundedOptions): Promise<BoundedResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { cwd: o.cwd, env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let killed: BoundedResult['killed'] = null;
    let polledPeakKiB = 0;
    const kill = (why: 'time' | 'memory') => {
      if (killed) return;
      killed = why;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      o.onStderr?.(d.toString());
    });
    const timer = setTimeout(() => kill('time'), o.timeoutMs);
    const canPoll = existsSync('/proc/self/status');
    const poll = canPoll
      ? setInterval(() => {
          const rss = treeRssKiB(child.pid!);
          polledPeakKiB = Math.max(polledPeakKiB, rss);
          if (rss > o.maxRssKiB) kill('memory');
        }, 200)
      : undefined;
    child.on('error', (e) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      resolve({ code, signal, stdout, stderr, killed, polledPeakKiB, wallMs: performance.now() - t0 });
    });
  });
}
