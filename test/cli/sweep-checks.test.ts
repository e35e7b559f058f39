// `odelab sweep`'s objective checked before any work, and its best-overrides file: the sweep's own overrides
// (--set, --set-file) with the best trial's values, in a git-ignored folder by default, so that
// `odelab run --set-file` trains exactly the best trial's config again.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MlflowFileStore } from '../../plugins/trackers/mlflow-file.ts';
import { odelab, ROOT } from '../helpers/cli.ts';

const EXPERIMENT = join(ROOT, 'test/fixtures/experiments/sweep-tiny.ts');
const root = mkdtempSync(join(tmpdir(), 'odelab-sweep-checks-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const newDir = () => {
  const dir = join(root, String(dirs++));
  execFileSync('mkdir', ['-p', dir]);
  return dir;
};

test('a misspelt objective metric exits 2 before any work, listing the known names and the likely one', async (t) => {
  const store = join(newDir(), 'mlruns');
  const r = await odelab(['sweep', EXPERIMENT, '--tracking-uri', store, '--set', 'sweep.objective.metric=eval_rollout_mea']);
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /sweep\.objective\.metric must be a metric a run of this experiment logs \(.*eval_rollout_mae.*train_loss.*\), got 'eval_rollout_mea'; did you mean 'eval_rollout_mae'\?/);
  t.notRegex(r.stderr, /eval_energy|lnn_/, 'a spiral with an MLP logs no mechanics metrics or LNN counters');
  t.is(r.stdout, '');
  t.false(existsSync(store), 'nothing was created');
});

test('a metric of another kind of run is not known here; the ASHA metric must be a training one', async (t) => {
  const store = join(newDir(), 'mlruns');
  const energy = await odelab(['sweep', EXPERIMENT, '--tracking-uri', store, '--set', 'sweep.objective.metric=eval_energy_error_pct']);
  t.is(energy.code, 2);
  t.regex(energy.stderr, /got 'eval_energy_error_pct'/);
  const asha = await odelab(['sweep', EXPERIMENT, '--tracking-uri', store, '--scheduler', 'asha', '--set', 'sweep.asha={"metric":"train_los"}']);
  t.is(asha.code, 2);
  t.regex(asha.stderr, /sweep\.asha\.metric must be a metric logged during training \(train_loss, train_lr, train_nfe_forward, train_nfe_backward\), got 'train_los'; did you mean 'train_loss'\?/);
  t.false(existsSync(store));
});

test('the best file holds --set, --set-file and the trial values; by default in .odelab/sweeps/ (git-ignored); rerunning it logs the best trial\'s params', async (t) => {
  const cwd = newDir();
  const store = join(cwd, 'mlruns');
  const setFile = join(cwd, 'base.json');
  writeFileSync(setFile, JSON.stringify({ 'data.batchSize': 4, 'train.steps': 30 }));
  const sweep = await odelab(
    ['sweep', EXPERIMENT, '--workers', '1', '--max-trials', '2', '--tracking-uri', store, '--json', '--quiet', '--set-file', setFile, '--set', 'train.steps=8', '--set', 'sweep.trials=1'],
    { cwd },
  );
  t.is(sweep.code, 0, sweep.stderr);
  const out = JSON.parse(sweep.stdout) as { sweepId: string; best: Record<string, unknown>; bestFile: string; rows: { trial: number; runId: string }[] };
  t.is(out.bestFile, join(cwd, '.odelab', 'sweeps', `${out.sweepId}-best.json`));
  const best = JSON.parse(readFileSync(out.bestFile, 'utf8')) as Record<string, unknown>;
  // --set-file first, then --set (train.steps=8 wins, in its place), then the trial's value; sweep.* left out.
  t.deepEqual(Object.entries(best), [['data.batchSize', 4], ['train.steps', 8], ['train.lr', best['train.lr']]]);
  t.true([0.003, 0.01].includes(best['train.lr'] as number));
  t.deepEqual(out.best, best);
  const tracker = new MlflowFileStore(store);
  t.deepEqual(JSON.parse(new TextDecoder().decode(await tracker.readArtifact(out.sweepId, 'sweep_report/best_overrides.json'))), best);

  const rerun = await odelab(['run', EXPERIMENT, '--set-file', out.bestFile, '--tracking-uri', store, '--json', '--quiet'], { cwd });
  t.is(rerun.code, 0, rerun.stderr);
  const params = (JSON.parse(rerun.stdout) as { params: Record<string, string> }).params;
  const bestRun = out.rows[0]!.runId; // rows are sorted best first
  t.deepEqual(params, (await tracker.getRun(bestRun)).params);

  const ignored = execFileSync('git', ['check-ignore', '-v', `.odelab/sweeps/${out.sweepId}-best.json`], { cwd: ROOT, encoding: 'utf8' });
  t.regex(ignored, /^\.gitignore:\d+:/);
});

test('the text output says how to rerun the best trial, with the sweep\'s --plugin modules', async (t) => {
  const cwd = newDir();
  const best = join(cwd, 'best.json');
  const r = await odelab(['sweep', EXPERIMENT, '--workers', '1', '--max-trials', '1', '--quiet', '--tracking-uri', join(cwd, 'mlruns'), '--best-out', best, '--plugin', 'test/fixtures/my-physics.ts', '--set', 'train.steps=4']);
  t.is(r.code, 0, r.stderr);
  t.true(r.stdout.includes(`best overrides: ${best}  (rerun: odelab run ${EXPERIMENT} --set-file ${best} --plugin test/fixtures/my-physics.ts)`), r.stdout);
});
