// `odelab sync` end to end in child processes: a crashed run delivered to the file store and marked
// FAILED, a server still down (exit 1), and the spool variables validated (exit 2, the variable named).
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RunSpool } from '../../core/track/spool.ts';
import { MlflowFileStore } from '../../plugins/trackers/mlflow-file.ts';
import { odelab, ROOT } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const CRASH = join(ROOT, 'test/fixtures/spool-crash.ts');
const DOWN = 'test/fixtures/down-tracker.ts';

/** A run in the file store at `store` whose process was SIGKILLed with its records spooled (server "down"). */
function crashedRun(spoolDir: string, store: string, points: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CRASH, spoolDir, String(points), store], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', () => {
      const m = /^run (\S+)$/m.exec(out);
      if (m) resolve(m[1]!);
      else reject(new Error(`crash fixture failed: ${err}`));
    });
  });
}

test('odelab sync delivers a crashed run to the file store once, marks it FAILED with the reason, and removes its spool', async (t) => {
  const dir = await tempDir(t, 'odelab-cli-sync-');
  const [spool, store] = [join(dir, 'spool'), join(dir, 'mlruns')];
  const runId = await crashedRun(spool, store, 50);
  const tracker = new MlflowFileStore(store);
  t.is((await tracker.getRun(runId)).info.status, 'RUNNING', 'nothing reached the store before the crash');

  const r = await odelab(['sync', '--spool-dir', spool, '--tracking-uri', store]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, new RegExp(`run ${runId} \\(.*\\): 54 records delivered, 0 rejected, status FAILED \\(its process had ended without finishing the run\\)`));
  const run = await tracker.getRun(runId);
  t.is(run.info.status, 'FAILED');
  t.regex(run.tags['odelab.failure_reason'] ?? '', /ended without finishing the run; the records it had logged were delivered by odelab sync/);
  t.is(run.params['train.lr'], '0.01');
  t.deepEqual((await tracker.getMetricHistory(runId, 'loss')).map((m) => m.step), Array.from({ length: 50 }, (_, i) => i));
  t.deepEqual(await tracker.listArtifacts(runId), ['config.json']);
  t.false(existsSync(join(spool, runId)));
});

test('odelab sync exits 1 while the server is still unavailable, keeping the records', async (t) => {
  const spool = join(await tempDir(t, 'odelab-cli-sync-'), 'spool');
  const { spool: run, ownership } = await RunSpool.create(spool, { trackingUri: 'down://server', runId: 'r1', experimentId: '0' });
  run.append({ kind: 'metrics', metrics: [{ key: 'loss', value: 1, step: 0, timestamp: 1 }] });
  run.append({ kind: 'end', status: 'FINISHED', endTime: 2 });
  await ownership.release(); // as a run does when its flush timeout passes

  const r = await odelab(['sync', '--plugin', DOWN, '--spool-dir', spool, '--json']);
  t.is(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { runs: Array<{ runId: string; outcome: string; pending: number; error: string }> };
  t.like(out.runs[0], { runId: 'r1', outcome: 'pending', pending: 2 });
  t.regex(out.runs[0]!.error, /connection refused/);
  t.deepEqual((await run.state()).pending.map((x) => x.seq), [1, 2]);
});

test('sync --help names its options; bad spool settings exit 2 naming the variable', async (t) => {
  const help = await odelab(['sync', '--help']);
  t.is(help.code, 0);
  for (const flag of ['--tracking-uri', '--spool-dir', '--json', 'ODELAB_SPOOL_DIR', 'MLFLOW_TRACKING_URI']) t.true(help.stdout.includes(flag), flag);

  const sync = await odelab(['sync'], { env: { ODELAB_SPOOL_DIR: 'relative/spool' } });
  t.is(sync.code, 2);
  t.regex(sync.stderr, /ODELAB_SPOOL_DIR must be an absolute folder path/);

  const store = join(await tempDir(t, 'odelab-cli-sync-'), 'mlruns');
  const run = await odelab(['run', 'test/fixtures/experiments/tiny.ts', '--quiet', '--backend', 'cpu', '--tracking-uri', store], { env: { ODELAB_FLUSH_TIMEOUT: 'soon' } });
  t.is(run.code, 2, run.stderr);
  t.regex(run.stderr, /ODELAB_FLUSH_TIMEOUT must be a number of seconds from 0 to 86400, got 'soon'/);
});
