// An evaluation that cannot finish (a rollout exhausts eval.maxSteps) is not
// reported as a number: the run ends FINISHED with the tag odelab.eval_failure
// saying what and why, the metrics it would give are absent, the summary says
// so, and a sweep ranks such a trial last with the reason in its table.
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { odelab } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// dopri5 needs more than one step for a held-out rollout over the whole span: eval.maxSteps=1 cannot finish.
const CANNOT_FINISH = ['--set', 'integrator={"name":"dopri5"}', '--set', 'eval.maxSteps=1'];

test('a run whose held-out rollout exhausts eval.maxSteps: FINISHED, tag odelab.eval_failure, no rollout metrics', async (t) => {
  const dir = await tempDir(t, 'odelab-evalfail-');
  const r = await odelab(['run', 'test/fixtures/experiments/tiny.ts', '--tracking-uri', dir, '--json', '--quiet', ...CANNOT_FINISH]);
  t.is(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { status: string; runId: string; experimentId: string; metrics: Record<string, number>; evalFailure?: string };
  t.is(s.status, 'FINISHED');
  t.regex(s.evalFailure ?? '', /held-out rollouts could not finish: maximum number of steps \(1\) reached/);
  for (const m of ['eval_rollout_mae', 'eval_rollout_rmse', 'eval_final_mae']) t.false(m in s.metrics, `${m} must be absent, got ${s.metrics[m]}`);
  t.true('train_loss' in s.metrics);
  const runDir = join(dir, s.experimentId, s.runId);
  t.regex(readFileSync(join(runDir, 'tags', 'odelab.eval_failure'), 'utf8'), /maximum number of steps/);
  t.false(existsSync(join(runDir, 'metrics', 'eval_rollout_mae')));
});

test('the text summary says the evaluation is incomplete', async (t) => {
  const dir = await tempDir(t, 'odelab-evalfail-');
  const r = await odelab(['run', 'test/fixtures/experiments/tiny.ts', '--tracking-uri', dir, '--quiet', ...CANNOT_FINISH]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /evaluation incomplete \(tag odelab\.eval_failure; those metrics are absent\): held-out rollouts could not finish/);
});

test('a sweep ranks a trial whose evaluation could not finish last, with the reason in its table', async (t) => {
  const dir = await tempDir(t, 'odelab-evalfail-');
  const r = await odelab(['sweep', 'test/fixtures/experiments/sweep-eval-budget.ts', '--tracking-uri', dir, '--workers', '1', '--quiet', '--best-out', join(dir, 'best.json')]);
  t.is(r.code, 0, r.stderr);
  const rows = r.stdout.split('\n').filter((l) => /^\d+\s+FINISHED/.test(l));
  t.is(rows.length, 2, r.stdout);
  t.regex(rows[0]!, /^1\s+FINISHED\s+\d/, 'the trial with a value first');
  t.regex(rows[1]!, /^0\s+FINISHED\s+-/, 'the trial without one last');
  t.regex(r.stdout, /trial 0 FINISHED: evaluation: held-out rollouts could not finish: maximum number of steps \(1\) reached/);
  t.is(JSON.parse(readFileSync(join(dir, 'best.json'), 'utf8'))['eval.maxSteps'], 20000);
});
