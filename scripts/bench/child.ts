/**
 * A bench measurement in a child `node` process: the suites that need a
 * fresh process (memory: its own peak RSS; sweep: other V8 flags) run a
 * script that prints one line `<marker> <result as JSON>` on stdout.
 */
import { spawn } from 'node:child_process';

export interface ChildOptions {
  /** Node's and V8's options, then the script and its arguments. */
  args: string[];
  /** The prefix of the result line on stdout. */
  marker: string;
  /** Names the measurement in errors. */
  label: string;
  timeoutMs: number;
  cwd?: string;
  /** Each chunk of the child's stderr, as it comes (progress). */
  onStderr?: (text: string) => void;
}

/** Run the child; resolve with its result line's JSON, or reject with its exit and the end of its stderr. */
export function runNodeChild<T>({ args, marker, label, timeoutMs, cwd, onStderr }: ChildOptions): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { ...(cwd ? { cwd } : {}), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(d.toString());
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(`${marker} `));
      if (code === 0 && line) return resolve(JSON.parse(line.slice(marker.length + 1)) as T);
      const why = signal ? `killed by ${signal}` : `exit code ${code}`;
      reject(new Error(`${label}: ${why}\n${stderr.trim().split('\n').slice(-15).join('\n')}`));
    });
  });
}
