// `npm start` runs experiments/double-pendulum-quick.ts: it must end with an
// LNN whose rollouts conserve energy (a few percent of max|V|, finite, and
// consistent with its own divergence count) and print a summary a newcomer
// can read. The whole experiment runs as committed: about a minute of CPU.
import test from 'ava';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { odelab } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** The last value of each metric of the one run in a file store. */
async function lastMetrics(store: string): Promise<Record<string, number>> {
  const experiments = (await readdir(store, { withFileTypes: true })).filter((d) => d.isDirectory() && /^\d+$/.test(d.name) && d.name !== '0');
  const runDir = join(store, experiments[0]!.name);
  const runs = (await readdir(runDir, { withFileTypes: true })).filter((d) => d.isDirectory());
  const metricsDir = join(runDir, runs[0]!.name, 'metrics');
  const out: Record<string, number> = {};
  for (const key of await readdir(metricsDir)) {
    const lines = (await readFile(join(metricsDir, key), 'utf8')).trim().split('\n');
    const value = lines.at(-1)!.split(' ')[1]!;
    out[key] = value === 'inf' || value === 'Infinity' ? Infinity : Number(value);
  }
  return out;
}

test("npm start's experiment trains an LNN that conserves energy to a few percent and says what it did", async (t) => {
  const store = await tempDir(t, 'odelab-start-');
  const r = await odelab(['run', 'experiments/double-pendulum-quick.ts', '--tracking-uri', store]);
  t.is(r.code, 0, r.stderr);
  const m = await lastMetrics(store);
  t.is(m.eval_energy_diverged, 0);
  t.true(Number.isFinite(m.eval_energy_error_pct) && m.eval_energy_error_pct! < 8, `energy error ${m.eval_energy_error_pct} %`);
  t.true(m.eval_energy_error_median_pct! < 8, `median ${m.eval_energy_error_median_pct} %`);
  t.true(m.eval_accel_rel! < 0.1, `acceleration error ${m.eval_accel_rel}`);
  // The summary: what was trained, the energy error with what good looks like, the plots, the full run.
  t.regex(r.stdout, /trained: lnn 128×128 on double-pendulum, acceleration regression, 3000 steps/);
  t.regex(r.stdout, /energy error at t = 20 \(% of max\|V\|, mean\) +\d\.\d+ % +a few % or less/);
  t.regex(r.stdout, /plots: .*artifacts\/plots\//);
  t.regex(r.stdout, /next: npx odelab run experiments\/double-pendulum-lnn\.ts/);
});
