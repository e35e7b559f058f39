// `odelab sweep` end to end on the file store: a real piscina pool with two
// worker threads, trials that throw or kill their worker, retries, ASHA
// stopping, Ctrl-C and --resume. Every status and parent/child tag checked.
import test from 'ava';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunData } from 'odelab/plugin';
import { MlflowFileStore } from '../../plugins/trackers/mlflow-file.ts';
import { odelab, ROOT } from '../helpers/cli.ts';
import { byClass, parseSvg } from '../helpers/svg.ts';

const EXPERIMENT = join(ROOT, 'test/fixtures/experiments/sweep-tiny.ts');

async function tempDir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'odelab-sweep-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Every run of the store's experiment (the parent and its children). */
async function runsOf(store: string, experimentId: string): Promise<RunData[]> {
  const tracker = new MlflowFileStore(store);
  const ids = (await readdir(join(store, experimentId), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  return Promise.all(ids.map((id) => tracker.getRun(id)));
}

interface SweepJson {
  sweepId: string;
  experimentId: string;
  status: string;
  best: Record<string, unknown> | null;
  bestFile: string | null;
  rows: { trial: number; state: string; attempts: number; objective: number | null; reason?: string; runId: string | null }[];
}

test('two worker threads: a throwing trial and a killed worker end FAILED after their retries, the others finish', async (t) => {
  const dir = await tempDir(t);
  const store = join(dir, 'mlruns');
  const faults = JSON.stringify({ 'model.fault': { type: 'grid', values: ['none', 'throw', 'exit', 'none'] } });
  const r = await odelab(['sweep', EXPERIMENT, '--workers', '2', '--max-failures', '1', '--set', `sweep.parameters=${faults}`, '--tracking-uri', store, '--json', '--best-out', join(dir, 'best.json')]);
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as SweepJson;
  t.is(out.status, 'FINISHED');
  const row = (i: number) => out.rows.find((x) => x.trial === i)!;
  t.deepEqual([0, 1, 2, 3].map((i) => [row(i).state, row(i).attempts]), [['FINISHED', 1], ['FAILED', 2], ['FAILED', 2], ['FINISHED', 1]]);
  t.regex(row(1).reason!, /injected fault: this trial throws/);
  t.regex(row(2).reason!, /worker thread died \(exit code 3\)/);
  t.is(out.bestFile, join(dir, 'best.json'));

  const runs = await runsOf(store, out.experimentId);
  const parent = runs.find((x) => x.info.runId === out.sweepId)!;
  t.is(parent.info.status, 'FINISHED');
  t.is(parent.tags['odelab.sweep'], 'parent');
  const children = runs.filter((x) => x.info.runId !== out.sweepId);
  t.is(children.length, 6); // 2 finished + 2 trials × 2 attempts
  for (const c of children) {
    t.is(c.tags['mlflow.parentRunId'], out.sweepId);
    t.truthy(c.params['model.fault']);
  }
  const byTrial = (i: number) => children.filter((c) => c.tags['odelab.sweep.trial'] === String(i));
  t.deepEqual(byTrial(0).map((c) => c.info.status), ['FINISHED']);
  t.deepEqual(byTrial(1).map((c) => c.info.status), ['FAILED', 'FAILED']);
  t.deepEqual(byTrial(1).map((c) => c.tags['odelab.sweep.attempt']).sort(), ['1', '2']);
  for (const c of byTrial(2)) {
    t.is(c.info.status, 'FAILED'); // the worker died with its run RUNNING; the scheduler ended it
    t.is(c.tags['odelab.failure_code'], 'WORKER_LOST');
  }
  t.is(JSON.parse(parent.tags['odelab.sweep.trial.2']!).state, 'FAILED');
  t.is(parent.metrics.trials_finished, 2);
  t.is(parent.metrics.trials_failed, 2);
  const tracker = new MlflowFileStore(store);
  const artifacts = await tracker.listArtifacts(out.sweepId);
  t.deepEqual(artifacts, ['sweep_report/best_overrides.json', 'sweep_report/learning_curves.svg', 'sweep_report/objective.svg', 'sweep_report/table.json']);
  for (const name of ['objective', 'learning_curves']) {
    const { root } = parseSvg(await tracker.readArtifact(out.sweepId, `sweep_report/${name}.svg`));
    t.true(byClass(root, 'series').length >= 1, name);
  }

  // The best overrides file is what `odelab run --set-file` takes; --set still wins over it.
  t.deepEqual(out.best, { 'model.fault': 'none' });
  const rerun = await odelab(['run', EXPERIMENT, '--set-file', out.bestFile!, '--set', 'train.steps=4', '--tracking-uri', store, '--json']);
  t.is(rerun.code, 0, rerun.stderr);
  const summary = JSON.parse(rerun.stdout) as { params: Record<string, string> };
  t.is(summary.params['model.fault'], 'none');
  t.is(summary.params['train.steps'], '4');
});

test('ASHA stops trials worse than the rung cutoff: their runs end KILLED with the reason', async (t) => {
  const dir = await tempDir(t);
  const store = join(dir, 'mlruns');
  // One worker, so trials report in order: the first (a good learning rate) sets every rung; the tiny rates lose.
  const r = await odelab([
    'sweep', EXPERIMENT, '--workers', '1', '--scheduler', 'asha', '--tracking-uri', store, '--json', '--best-out', join(dir, 'best.json'),
    '--set', `sweep.parameters=${JSON.stringify({ 'train.lr': { type: 'grid', values: [0.03, 1e-6, 2e-6] } })}`,
    '--set', 'sweep.asha={"gracePeriod":8,"reductionFactor":2}',
  ]);
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as SweepJson;
  t.deepEqual(out.rows.map((x) => [x.trial, x.state]), [[0, 'FINISHED'], [1, 'STOPPED'], [2, 'STOPPED']]);
  const runs = await runsOf(store, out.experimentId);
  for (const i of [1, 2]) {
    const child = runs.find((x) => x.tags['odelab.sweep.trial'] === String(i))!;
    t.is(child.info.status, 'KILLED');
    t.regex(child.tags['odelab.failure_reason']!, /stopped by ASHA at step 8: train_loss .* worse than the rung-8 cutoff/);
  }
  const parent = runs.find((x) => x.info.runId === out.sweepId)!;
  t.is(parent.params['sweep.asha.grace_period'], '8');
  t.is(parent.metrics.trials_stopped, 2);
});

test('Ctrl-C stops the sweep (running trial and parent KILLED); --resume runs only the trials that did not finish', async (t) => {
  const dir = await tempDir(t);
  const store = join(dir, 'mlruns');
  const args = ['sweep', EXPERIMENT, '--workers', '1', '--tracking-uri', store, '--set', 'train.steps=150', '--best-out', join(dir, 'best.json')];
  let sent = false;
  const first = await odelab([...args, '--json'], {
    onStderr: (text, child) => {
      if (!sent && /1\/4 done · 1 running/.test(text)) {
        sent = true;
        child.kill('SIGINT');
      }
    },
  });
  t.is(first.code, 130, first.stderr);
  const stopped = JSON.parse(first.stdout) as SweepJson;
  t.is(stopped.status, 'KILLED');
  t.deepEqual(stopped.rows.map((x) => x.state).sort(), ['FINISHED', 'KILLED', 'KILLED', 'KILLED']);
  let runs = await runsOf(store, stopped.experimentId);
  t.is(runs.find((x) => x.info.runId === stopped.sweepId)!.info.status, 'KILLED');
  const running = runs.filter((x) => x.tags['odelab.sweep.trial'] === '1');
  t.deepEqual(running.map((x) => x.info.status), ['KILLED']);

  const second = await odelab([...args, '--json', '--resume', stopped.sweepId]);
  t.is(second.code, 0, second.stderr);
  const resumed = JSON.parse(second.stdout) as SweepJson;
  t.is(resumed.sweepId, stopped.sweepId);
  t.deepEqual(resumed.rows.map((x) => x.state), ['FINISHED', 'FINISHED', 'FINISHED', 'FINISHED']);
  runs = await runsOf(store, stopped.experimentId);
  t.is(runs.find((x) => x.info.runId === stopped.sweepId)!.info.status, 'FINISHED');
  // Trial 0 finished before the interruption and did not run again.
  t.is(runs.filter((x) => x.tags['odelab.sweep.trial'] === '0').length, 1);
  t.is(runs.filter((x) => x.tags['odelab.sweep.trial'] === '1').length, 2);

  for (const extra of [['--max-trials', '2'], ['--set', 'train.steps=151']]) {
    const other = await odelab([...args, '--resume', stopped.sweepId, ...extra]);
    t.is(other.code, 2);
    t.regex(other.stderr, /--resume: the sweep's trials differ/);
  }
});

test('invalid sweep input exits 2 before any work, naming the path', async (t) => {
  const dir = await tempDir(t);
  const store = join(dir, 'mlruns');
  const bad = await odelab(['sweep', EXPERIMENT, '--tracking-uri', store, '--set', 'sweep.parameters={"train.lr":{"type":"uniform","low":1,"high":0}}']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /sweep\.parameters\.train\.lr must have low < high/);
  const trial = await odelab(['sweep', EXPERIMENT, '--tracking-uri', store, '--set', 'sweep.parameters={"train.steps":{"type":"grid","values":[10,-1]}}']);
  t.is(trial.code, 2);
  t.regex(trial.stderr, /sweep trial 1 \(steps=-1\): train\.steps/);
  const noSweep = await odelab(['sweep', join(ROOT, 'test/fixtures/experiments/tiny.ts'), '--tracking-uri', store]);
  t.is(noSweep.code, 2);
  t.regex(noSweep.stderr, /has no 'sweep' section/);
  const workers = await odelab(['sweep', EXPERIMENT, '--tracking-uri', store, '--workers', '0']);
  t.is(workers.code, 2);
  t.regex(workers.stderr, /--workers must be an integer ≥ 1/);
  const asha = await odelab(['sweep', EXPERIMENT, '--tracking-uri', store, '--scheduler', 'asha', '--set', 'sweep.asha={"metric":"eval_rollout_mae"}']);
  t.is(asha.code, 2);
  t.regex(asha.stderr, /sweep\.asha\.metric must be a metric logged during training/);
  await t.throwsAsync(readdir(store)); // nothing was created
});

test('--isolation process runs each trial in its own process (the native backends\' mode), same runs and tags', async (t) => {
  const dir = await tempDir(t);
  const store = join(dir, 'mlruns');
  const r = await odelab(['sweep', EXPERIMENT, '--workers', '2', '--max-trials', '2', '--isolation', 'process', '--tracking-uri', store, '--json', '--best-out', join(dir, 'best.json')]);
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as SweepJson;
  t.deepEqual(out.rows.map((x) => x.state), ['FINISHED', 'FINISHED']);
  const runs = await runsOf(store, out.experimentId);
  t.is(runs.find((x) => x.info.runId === out.sweepId)!.params['sweep.isolation'], 'process');
  const children = runs.filter((x) => x.info.runId !== out.sweepId);
  t.is(children.length, 2);
  for (const c of children) t.is(c.tags['mlflow.parentRunId'], out.sweepId);
});
