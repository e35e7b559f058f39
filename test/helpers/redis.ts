/**
 * A Redis for the queue tests. `.ci/run` starts one and exports its URL as
 * ODELAB_TEST_REDIS_URL; without it (a local `npm test`) a throwaway
 * `redis-server` is started here on a free port, without persistence, and
 * stopped after the file's tests. Neither available is a failure that says
 * what to install: the queue tests never skip silently.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function testRedis(): Promise<TestRedis> {
  const given = process.env.ODELAB_TEST_REDIS_URL;
  if (given) return { url: given, port: Number(new URL(given).port || 6379), stop: async () => {} };
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error('the queue tests need Redis: set ODELAB_TEST_REDIS_URL=redis://host:port, or install redis-server (apt-get install redis-server) so the tests can start their own');
  }
  return startRedis();
}

export interface RedisOptions {
  port?: number;
  /** Where Redis keeps its files (default: a temporary folder, removed by stop()). */
  dir?: string;
  /** AOF on, fsync on every write: what a killed Redis keeps is everything it acknowledged. */
  appendonly?: boolean;
}

/** A redis-server of our own on a free port, in a temporary folder. */
export async function startRedis(options: RedisOptions = {}): Promise<TestRedis & { kill(): Promise<void> }> {
  if (spawnSync('redis-server', ['--version']).status !== 0) throw new Error('this test starts its own Redis: install redis-server (apt-get install redis-server)');
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'odelab-redis-')));
  const persistence = options.appendonly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...persistence];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await stopChild(child, 'SIGTERM');
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
    /** A crash: no shutdown, files left as they are. */
    kill: () => stopChild(child, 'SIGKILL'),
  };
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.on('exit', () => resolve());
    child.kill(signal);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let counter = 0;
/** A queue prefix no other test (or earlier run) uses. */
export function uniquePrefix(name: string): string {
  counter += 1;
  return `test-${name}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}
