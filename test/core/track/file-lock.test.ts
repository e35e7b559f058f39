// withFileLock's waits are bounded whatever sits at the lock's path, and the
// timeout says what was waited for.
import test from 'ava';
import { lutimes, symlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TrackingError } from '../../../core/errors.ts';
import { withFileLock } from '../../../core/track/file-lock.ts';
import { settles, tempDir } from '../../helpers/temp-dir.ts';


test('a dangling symbolic link at the lock path is waited for and timed out, not retried forever', async (t) => {
  const dir = await tempDir(t, 'odelab-lock-');
  const lock = join(dir, 'x.lock');
  // open(O_EXCL) says the path exists, stat says it does not: unbounded retries would spin at full CPU.
  await symlink(join(dir, 'nowhere'), lock);
  const e = await settles(t.throwsAsync(withFileLock(lock, async () => 'never', { timeoutMs: 200 })), 30_000, 'withFileLock');
  t.true(e instanceof TrackingError);
  t.regex(e!.message, /timed out after 200 ms waiting for lock .*x\.lock; if no other process is using the store, delete that file/);
});

test('an old dangling symbolic link is judged stale by its own age and broken', async (t) => {
  const dir = await tempDir(t, 'odelab-lock-');
  const lock = join(dir, 'x.lock');
  await symlink(join(dir, 'nowhere'), lock);
  const old = new Date(Date.now() - 3_600_000);
  await lutimes(lock, old, old);
  t.is(await settles(withFileLock(lock, async () => 'took it', { timeoutMs: 2000 }), 30_000, 'withFileLock'), 'took it');
});

test('the timeout names who holds the lock', async (t) => {
  const dir = await tempDir(t, 'odelab-lock-');
  const lock = join(dir, 'x.lock');
  await writeFile(lock, JSON.stringify({ pid: process.pid, host: hostname(), token: 't', time: Date.now() }));
  await t.throwsAsync(withFileLock(lock, async () => 'never', { timeoutMs: 50 }), {
    instanceOf: TrackingError,
    message: new RegExp(`waiting for lock .*x\\.lock \\(held by pid ${process.pid} on ${hostname()}\\)`),
  });
});
