/**
 * The disk filling up during a run: the file store (and, separately, the
 * spool of a REST run) on a small tmpfs that runs out of space mid-training.
 * Needs root (mount); without it the fault is reported as not injected.
 * Checked: the run ends by itself within a bound with a message naming the
 * problem (no hang, no crash loop); once space is freed, `odelab sync`
 * recovers; every file in the store parses, no point twice, no hole.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FakeMlflowServer } from '../../test/helpers/fake-mlflow-server.ts';
import { type Campaign, LONG_RUN, TINY } from './campaign.ts';
import { checkFileStore } from './invariants.ts';
import { ended, odelab, until } from './proc.ts';

const FULL = 'disk full mid-run (tmpfs)';

function mount(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function diskFull(c: Campaign): Promise<void> {
  const rounds = c.count(2);
  for (let round = 0; round < rounds; round++) {
    const mnt = join(c.dir, `tmpfs-${round}`);
    await mkdir(mnt, { recursive: true });
    if (!mount(mnt, '1m')) {
      c.note(FULL, 'not injected: mounting a tmpfs needs root (mount -t tmpfs)');
      c.log('  disk full: cannot mount a tmpfs here (not root?); skipped');
      return;
    }
    try {
      // File store on the small disk: the metric files grow until the disk is full.
      const store = join(mnt, 'mlruns');
      const r = await ended(odelab(['run', TINY, ...LONG_RUN, '--tracking-uri', store], { ODELAB_SPOOL_DIR: join(c.dir, `spool-full-${round}`) }), 'the run on a full disk', 180_000);
      c.inject(FULL);
      const violations: string[] = [];
      if (r.signal) violations.push(`file store: the run was killed by ${r.signal}`);
      if (!/ENOSPC|no space left/i.test(r.stderr)) violations.push(`file store: exit ${r.code} without naming the full disk: ${r.stderr.slice(-400)}`);
      if (/\n\s+at .+:\d+:\d+/.test(r.stderr) && r.code === 1) c.note(FULL, 'the file-store run printed a stack trace on ENOSPC');
      // Free the space (a user deleting files), then recover.
      await writeFile(join(mnt, 'probe'), '').catch(() => undefined);
      await rm(join(mnt, 'probe'), { force: true });
      execFileSync('mount', ['-o', 'remount,size=4m', mnt], { stdio: 'ignore' });
      const s = await ended(odelab(['sync', '--tracking-uri', store, '--spool-dir', join(c.dir, `spool-full-${round}`)]), 'odelab sync after the disk was freed', 60_000);
      if (s.code !== 0) violations.push(`sync after freeing space exited ${s.code}: ${s.stdout.slice(-300)}${s.stderr.slice(-300)}`);
      const check = await checkFileStore(store);
      violations.push(...check.violations);
      c.checked(FULL, check.runs.length * 4 + 2, violations);
      c.note(FULL, `file store round ${round}: exit ${r.code}; "${r.stderr.trim().split('\n').at(-1)?.slice(0, 160) ?? ''}"`);

      // The spool of a REST run on the full disk.
      const server = await FakeMlflowServer.start();
      try {
        const spool = join(mnt, `spool-${round}`);
        // Leave room for the spool's start (its probe, meta.json, the first records), not for the run.
        const free = await statfs(mnt).then((st) => st.bavail * st.bsize);
        await writeFile(join(mnt, 'filler'), Buffer.alloc(Math.max(0, free - 96 * 1024))).catch(() => undefined);
        const env = { ODELAB_SPOOL_DIR: spool, ODELAB_FLUSH_TIMEOUT: '5' };
        const p = odelab(['run', TINY, ...LONG_RUN, '--tracking-uri', server.url], env);
        await until('the REST run on a nearly full spool disk to start', 60_000, () => server.runs().length > 0 || p.child.exitCode !== null);
        const rr = await ended(p, 'the REST run whose spool disk is full', 180_000);
        c.inject(FULL);
        const v2: string[] = [];
        if (rr.signal) v2.push(`spool: the run was killed by ${rr.signal}`);
        if (!/ENOSPC|no space left/i.test(rr.stderr)) v2.push(`spool: exit ${rr.code} without naming the full disk: ${rr.stderr.slice(-400)}`);
        await rm(join(mnt, 'filler'), { force: true });
        const s2 = await ended(odelab(['sync', '--tracking-uri', server.url, '--spool-dir', spool]), 'odelab sync of the full spool', 60_000);
        if (s2.code !== 0) v2.push(`sync of the spool exited ${s2.code}: ${s2.stdout.slice(-300)}${s2.stderr.slice(-300)}`);
        for (const run of server.runs()) if (!['FINISHED', 'FAILED', 'KILLED'].includes(run.status)) v2.push(`${run.runId}: ${run.status} on the server after sync`);
        c.checked(FULL, server.runs().length + 2, v2);
        c.note(FULL, `spool round ${round}: exit ${rr.code}; "${rr.stderr.trim().split('\n').at(-1)?.slice(0, 160) ?? ''}"`);
      } finally {
        await server.stop();
      }
    } finally {
      try {
        execFileSync('umount', [mnt], { stdio: 'ignore' });
      } catch {
        /* left for the campaign's cleanup */
      }
    }
  }
}
