// A local run SIGKILLed mid-training is ended FAILED/PROCESS_LOST, at the time of its last record, by
// `odelab sync` or by the next run on the same store; its flushed metric points stay, none duplicated.
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MlflowFileStore } from '../../plugins/trackers/mlflow-file.ts';
import { BIN, odelab, ROOT } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const TINY = 'test/fixtures/experiments/tiny.ts';

/** The metrics file of the only run in `store`, once it exists. */
function metricsFile(store: string, key: string): string | undefined {
  if (!existsSync(store)) return undefined;
  for (const exp of readdirSync(store)) {
    if (exp.startsWith('.') || exp === '0') continue;
    for (const run of existsSync(join(store, exp)) ? readdirSync(join(store, exp), { withFileTypes: true }) : []) {
      const f = join(store, exp, run.name, 'metrics', key);
      if (run.isDirectory() && existsSync(f)) return f;
    }
  }
  return undefined;
}

/** Start a long run, wait (at most 90 s) until it has flushed train_loss points, SIGKILL it; its run id. */
async function killedRun(store: string, spool: string): Promise<string> {
  const child: ChildProcess = spawn(
    process.execPath,
    [BIN, 'run', TINY, '--quiet', '--backend', 'cpu', '--tracking-uri', store, '--set', 'train.steps=1000000', '--set', 'train.logEvery=1'],
    { cwd: ROOT, env: { ...process.env, ODELAB_SPOOL_DIR: spool }, stdio: 'ignore' },
  );
  const ended = new Promise<void>((r) => child.on('close', () => r()));
  const deadline = Date.now() + 90_000;
  let file: string | undefined;
  while (!(file = metricsFile(store, 'train_loss'))) {
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('waiting for the run to flush train_loss points: none after 90 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  await ended;
  return file.split('/').at(-3)!;
}

function points(store: string): string[] {
  return readFileSync(metricsFile(store, 'train_loss')!, 'utf8').trim().split('\n');
}

test('odelab sync ends a SIGKILLed local run FAILED/PROCESS_LOST at its last record, keeping its points', async (t) => {
  const dir = await tempDir(t, 'odelab-lost-run-');
  const [store, spool] = [join(dir, 'mlruns'), join(dir, 'spool')];
  const runId = await killedRun(store, spool);
  const tracker = new MlflowFileStore(store);
  const before = await tracker.getRun(runId);
  t.is(before.info.status, 'RUNNING');
  t.regex(before.tags['odelab.owner'] ?? '', /"pid":\d+/);
  const kept = points(store);
  t.true(kept.length >= 50, `${kept.length} points flushed`);

  const r = await odelab(['sync', '--tracking-uri', store, '--spool-dir', spool]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, new RegExp(`run ${runId} .*ended FAILED \\(PROCESS_LOST\\)`));
  const after = await tracker.getRun(runId);
  t.is(after.info.status, 'FAILED');
  t.is(after.tags['odelab.failure_code'], 'PROCESS_LOST');
  t.regex(after.tags['odelab.failure_reason'] ?? '', /ended without finishing the run/);
  const lastPoint = Math.max(...kept.map((l) => Number(l.split(' ')[0])));
  t.true(after.info.endTime! >= lastPoint && after.info.endTime! - lastPoint < 5_000, `end ${after.info.endTime} vs last point ${lastPoint}`);
  t.deepEqual(points(store), kept, 'points unchanged');
  t.is(new Set(kept.map((l) => l.split(' ')[2])).size, kept.length, 'no step twice');

  const again = await odelab(['sync', '--tracking-uri', store, '--spool-dir', spool]);
  t.is(again.code, 0);
  t.regex(again.stdout, /no run left RUNNING by a dead process/);
});

test('the next run on the same store ends a lost run before it starts', async (t) => {
  const dir = await tempDir(t, 'odelab-lost-run-');
  const [store, spool] = [join(dir, 'mlruns'), join(dir, 'spool')];
  const runId = await killedRun(store, spool);
  const r = await odelab(['run', TINY, '--quiet', '--backend', 'cpu', '--tracking-uri', store], { env: { ODELAB_SPOOL_DIR: spool } });
  t.is(r.code, 0, r.stderr);
  const lost = await new MlflowFileStore(store).getRun(runId);
  t.is(lost.info.status, 'FAILED');
  t.is(lost.tags['odelab.failure_code'], 'PROCESS_LOST');
});
