/**
 * A long-running odelab CLI process for tests that act while it runs
 * (`odelab worker`, a sweep to be killed): its output so far, a wait for a
 * line matching a pattern, signals, and its exit. The environment is
 * cleaned as in helpers/cli.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, ROOT, type CliResult } from './cli.ts';

export interface OdelabProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match in stdout + stderr (now or later); rejects after `timeoutMs` or when the process ends first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  kill(signal: NodeJS.Signals): void;
  readonly exited: Promise<CliResult>;
}

export function startOdelab(args: string[], env: Record<string, string> = {}): OdelabProcess {
  const full: NodeJS.ProcessEnv = { ...process.env };
  delete full.MLFLOW_TRACKING_URI;
  delete full.ODELAB_BACKEND;
  delete full.MLFLOW_EXPERIMENT_NAME;
  Object.assign(full, env);
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: full, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((w) => w());
  child.stdout!.on('data', (d) => ((out += d), wake()));
  child.stderr!.on('data', (d) => ((err += d), wake()));
  let ended = false;
  const exited = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => {
      ended = true;
      resolve({ code, signal, stdout: out, stderr: err });
      wake();
    }),
  );

  const waitFor = (pattern: RegExp, timeoutMs = 60_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = (out + err).match(pattern);
        if (m) done(() => resolve(m));
        else if (ended) done(() => reject(new Error(`process ended before ${pattern}:\n${out}\n${err}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${pattern}:\n${out}\n${err}`))), timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });

  return { child, stdout: () => out, stderr: () => err, waitFor, kill: (signal) => void child.kill(signal), exited };
}
