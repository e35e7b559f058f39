/**
 * Child processes of the chaos campaign: `odelab` commands started with a
 * clean environment, killed at chosen moments, and every wait bounded by a
 * timeout that says what it waited for.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/odelab.mjs', import.meta.url));

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Proc {
  readonly child: ChildProcess;
  readonly ended: Promise<Ended>;
  output(): string;
  /** Resolves with the first match in stdout + stderr; rejects after `timeoutMs` naming `what`, or when the process ends first. */
  waitFor(pattern: RegExp, what: string, timeoutMs: number): Promise<RegExpMatchArray>;
  kill(signal?: NodeJS.Signals): void;
}

/** Start `odelab ARGS` with `env` added to a clean environment (no MLFLOW_* or ODELAB_BACKEND of the caller). */
export function odelab(args: string[], env: Record<string, string> = {}): Proc {
  const full: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['MLFLOW_TRACKING_URI', 'ODELAB_BACKEND', 'MLFLOW_EXPERIMENT_NAME']) delete full[k];
  Object.assign(full, env);
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: full, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const wakers = new Set<() => void>();
  child.stdout!.on('data', (d) => ((out += d), wakers.forEach((w) => w())));
  child.stderr!.on('data', (d) => ((err += d), wakers.forEach((w) => w())));
  let done = false;
  const ended = new Promise<Ended>((resolve) =>
    child.on('close', (code, signal) => {
      done = true;
      resolve({ code, signal, stdout: out, stderr: err });
      wakers.forEach((w) => w());
    }),
  );
  return {
    child,
    ended,
    output: () => out + err,
    kill: (signal = 'SIGKILL') => void (child.exitCode === null && child.signalCode === null && child.kill(signal)),
    waitFor: (pattern, what, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = (out + err).match(pattern);
          if (m) finish(() => resolve(m));
          else if (done) finish(() => reject(new Error(`odelab ${args[0]} ended before ${what}:\n${(out + err).slice(-2000)}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}:\n${(out + err).slice(-2000)}`))), timeoutMs);
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          wakers.delete(check);
          settle();
        };
        wakers.add(check);
        check();
      }),
  };
}

/** The process's end, or SIGKILL and an error naming `what` after `timeoutMs`. */
export async function ended(p: Proc, what: string, timeoutMs: number): Promise<Ended> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} to end:\n${p.output().slice(-2000)}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([p.ended, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Poll `check` every 100 ms until it is true; an error naming `what` after `timeoutMs`. */
export async function until(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(100);
  }
}
