// Every command that writes somewhere checks the place before any work: a
// sweep's tracking store and best-overrides folder, eval's --plots and --out.
// An unusable place (under /proc, where Node 20's recursive mkdir never
// returns) is bad input, exit 2, with the flag named. An empty
// MLFLOW_TRACKING_URI counts as unset, as in MLflow's client.
import test from 'ava';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { DEFAULT_TRACKING_URI, resolveTrackingUri } from '../../core/track/select.ts';
import { odelab } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const SWEEP = 'test/fixtures/experiments/sweep-tiny.ts';

test('the tracking URI: the flag, else MLFLOW_TRACKING_URI, else ./mlruns; an empty variable is unset', (t) => {
  t.like(resolveTrackingUri('http://h', { MLFLOW_TRACKING_URI: '/x' }), { uri: 'http://h', source: '--tracking-uri', given: true });
  t.like(resolveTrackingUri(undefined, { MLFLOW_TRACKING_URI: '/x' }), { uri: '/x', source: 'MLFLOW_TRACKING_URI', given: true });
  t.like(resolveTrackingUri(undefined, { MLFLOW_TRACKING_URI: '' }), { uri: DEFAULT_TRACKING_URI, given: false });
  t.like(resolveTrackingUri(undefined, {}), { uri: DEFAULT_TRACKING_URI, given: false });
});

test('odelab sweep with an unusable tracking store exits 2 before any trial', async (t) => {
  const r = await odelab(['sweep', SWEEP, '--tracking-uri', '/proc/odelab-sweep-runs', '--quiet']);
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /--tracking-uri: tracking store \/proc\/odelab-sweep-runs is not usable/);
  t.notRegex(r.stderr, /trial/);
});

test('odelab sweep --best-out in an unusable folder exits 2 before any trial, naming the flag', async (t) => {
  const store = await tempDir(t, 'odelab-out-');
  const r = await odelab(['sweep', SWEEP, '--tracking-uri', store, '--best-out', '/proc/odelab-best/best.json', '--quiet']);
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /--best-out: folder \/proc\/odelab-best/);
  t.deepEqual(readdirSync(store).filter((n) => n !== '0' && n !== '.trash'), [], 'no experiment or run was created');
});

test('odelab eval --plots in an unusable folder exits 2 before evaluating', async (t) => {
  const r = await odelab(['eval', 'runs:/0123456789abcdef0123456789abcdef/model', '--plots', '/proc/odelab-plots', '--tracking-uri', tmpdir()]);
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /--plots: folder \/proc\/odelab-plots/);
});
