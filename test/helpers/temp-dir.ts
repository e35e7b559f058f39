/** Scratch folders for tests, removed when the test ends; and a bound on work that could hang. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new empty folder under the system's temporary folder, removed at the test's teardown. */
export async function tempDir(t: { teardown(fn: () => Promise<void>): void }, prefix = 'odelab-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** `work` settled within `ms` (a hang fails the test instead of stalling the run). */
export async function settles<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms / 1000} s`)), ms)));
  try {
    return await Promise.race([work, hung]);
  } finally {
    clearTimeout(timer);
  }
}
