// Every run logs its model and a plot; `odelab eval` loads it back (runs:/ URI or folder) and reproduces the run's
// evaluation, or rolls it out; bad input exits 2 naming the problem. Runs and evaluations in child processes,
// the input errors in-process (runCli), which is the same code without the process start-up.
import test from 'ava';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinPlugins, createRegistry, loadExperiment, resolveRunner, runCli, runContainer, selectTracker, type RunSummary } from 'odelab/node';
import { parseYaml } from '../../core/model-io/mlmodel-yaml.ts';
import type { RolloutComparison } from '../../core/eval/rollout-compare.ts';
import { odelab } from '../helpers/cli.ts';
import { byClass, parseSvg } from '../helpers/svg.ts';

const root = mkdtempSync(join(tmpdir(), 'odelab-eval-'));
const uri = join(root, 'mlruns');
test.after.always(() => rmSync(root, { recursive: true, force: true }));

interface Logged {
  summary: RunSummary;
  /** The run's artifact folder. */
  artifacts: string;
}

async function run(experiment: string, backend: string): Promise<Logged> {
  const r = await odelab(['run', experiment, '--json', '--quiet', '--tracking-uri', uri, '--backend', backend]);
  if (r.code !== 0 && r.code !== 1) throw new Error(`odelab run ${experiment} exited ${r.code}: ${r.stderr}`);
  const summary = JSON.parse(r.stdout) as RunSummary;
  return { summary, artifacts: new URL(summary.artifactUri).pathname };
}

const runs = Promise.all([
  run('test/fixtures/experiments/tiny.ts', 'cpu'),
  run('test/fixtures/experiments/pendulum-tiny.ts', 'wasm'),
  run('test/fixtures/experiments/diverges.ts', 'cpu'),
]);

const evalMetrics = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).filter(([k]) => k.startsWith('eval_')));

/** runCli in this process, with stdout and stderr captured (serial tests only). */
async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const saved = { stdout: process.stdout.write, stderr: process.stderr.write };
  for (const k of ['stdout', 'stderr'] as const) {
    process[k].write = ((chunk: string | Uint8Array) => {
      out[k] += String(chunk);
      return true;
    }) as typeof process.stdout.write;
  }
  try {
    return { code: await runCli(['eval', ...args], builtinPlugins), ...out };
  } finally {
    process.stdout.write = saved.stdout;
    process.stderr.write = saved.stderr;
  }
}

test('a run logs model/MLmodel, config.json, weights.json, weights.bin and SVG plots', async (t) => {
  const [spiral, pendulum] = await runs;
  for (const { summary, artifacts } of [spiral, pendulum]) {
    t.is(summary.status, 'FINISHED');
    const model = join(artifacts, 'model');
    const mlmodel = parseYaml(readFileSync(join(model, 'MLmodel'), 'utf8'), 'MLmodel');
    t.is(mlmodel.run_id, summary.runId);
    t.is(mlmodel.artifact_path, 'model');
    t.regex(String(mlmodel.utc_time_created), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    const manifest = JSON.parse(readFileSync(join(model, 'weights.json'), 'utf8')) as { byteLength: number }[];
    t.is(statSync(join(model, 'weights.bin')).size, manifest.reduce((a, e) => a + e.byteLength, 0));
    const config = JSON.parse(readFileSync(join(model, 'config.json'), 'utf8')) as { params: unknown; run: unknown };
    t.deepEqual(config.params, summary.params);
    t.deepEqual(config.run, { run_id: summary.runId, backend: summary.backend, status: 'FINISHED', steps: Number(summary.params['train.steps']) });
  }
  const spiralPlot = parseSvg(readFileSync(join(spiral.artifacts, 'plots', 'trajectories.svg'))).root;
  t.true(byClass(spiralPlot, 'series').length >= 2, 'the spiral run plots its held-out trajectory, model and truth');
  for (const name of ['trajectory', 'phase', 'energy', 'accelerations']) {
    const { root } = parseSvg(readFileSync(join(pendulum.artifacts, 'plots', `${name}.svg`)));
    t.true(byClass(root, 'panel').length >= 1 && byClass(root, 'series').length >= 2, name);
  }
});

test('a run that fails with non-finite weights logs no model and says why', async (t) => {
  const { summary } = (await runs)[2];
  t.is(summary.status, 'FAILED');
  const tracker = selectTracker(createRegistry(), uri);
  t.regex((await tracker.getRun(summary.runId)).tags['odelab.model_skipped']!, /weight '\w+' is not finite/);
  t.deepEqual(await tracker.listArtifacts(summary.runId, 'model'), []);
  // eval's message for it: in the bad-input test.
});

test('eval runs:/<id>/model reproduces the logged evaluation metrics exactly (same seed, same backend)', async (t) => {
  const [spiral, pendulum] = await runs;
  const plots = join(root, 'plots');
  const [a, b] = await Promise.all([
    odelab(['eval', `runs:/${spiral.summary.runId}/model`, '--tracking-uri', uri, '--backend', 'cpu', '--json', '--quiet']),
    odelab(['eval', `runs:/${pendulum.summary.runId}/model`, '--backend', 'wasm', '--json', '--plots', plots], { env: { MLFLOW_TRACKING_URI: uri } }),
  ]);
  t.is(a.code, 0, a.stderr);
  t.is(b.code, 0, b.stderr);
  const spiralEval = JSON.parse(a.stdout) as { metrics: Record<string, number>; runId: string };
  const pendulumEval = JSON.parse(b.stdout) as { metrics: Record<string, number>; warnings: string[] };
  t.is(spiralEval.runId, spiral.summary.runId);
  t.deepEqual(spiralEval.metrics, evalMetrics(spiral.summary.metrics));
  t.deepEqual(pendulumEval.metrics, evalMetrics(pendulum.summary.metrics));
  t.true(Object.keys(pendulumEval.metrics).includes('eval_energy_error_pct'));
  t.regex(b.stderr, /evaluating mechanics/);
  for (const name of ['trajectory', 'phase', 'energy', 'accelerations']) t.true(byClass(parseSvg(readFileSync(join(plots, `${name}.svg`))).root, 'series').length >= 2, name);
});

test('eval loads a model folder too, and --rollout writes t, x0, predicted and truth of the right shapes', async (t) => {
  const [spiral, pendulum] = await runs;
  const folder = join(spiral.artifacts, 'model');
  const out = join(root, 'rollout.json');
  const [evaluated, given, drawn] = await Promise.all([
    odelab(['eval', folder, '--backend', 'cpu', '--quiet']),
    odelab(['eval', folder, '--rollout', '--x0=-0.5,1', '--x0', '1,0.25', '--t-end', '0.5', '--points', '7', '--out', out, '--backend', 'cpu']),
    odelab(['eval', join(pendulum.artifacts, 'model'), '--rollout', '--starts', '3', '--points', '5', '--backend', 'cpu', '--quiet']),
  ]);
  t.is(evaluated.code, 0, evaluated.stderr);
  t.regex(evaluated.stdout, new RegExp(`eval_rollout_mae\\s+${spiral.summary.metrics.eval_rollout_mae!.toPrecision(8)}`));
  t.is(given.code, 0, given.stderr);
  t.is(given.stdout, '');
  const r = JSON.parse(readFileSync(out, 'utf8')) as RolloutComparison & { stateDim: number; system: string };
  t.is(r.system, 'spiral');
  t.deepEqual(r.t, [0, 1, 2, 3, 4, 5, 6].map((i) => (0.5 * i) / 6));
  t.deepEqual(r.x0, [[-0.5, 1], [1, 0.25]]);
  for (const series of [r.predicted, r.truth]) t.deepEqual(series.map((k) => k.map((x) => x.length)), [[2, 2, 2, 2, 2, 2, 2], [2, 2, 2, 2, 2, 2, 2]]);
  t.deepEqual(r.truth.map((k) => k[0]), r.x0);
  t.deepEqual(r.predicted.map((k) => k[0]), r.x0, 'these starts are exact in float32');
  t.is(drawn.code, 0, drawn.stderr);
  const d = JSON.parse(drawn.stdout) as RolloutComparison;
  t.is(d.x0.length, 3);
  t.deepEqual([d.t.length, d.t.at(-1)], [5, 1]);
  t.deepEqual(d.predicted.map((k) => k.length), [5, 5, 5]);
  t.true(d.truth.flat(2).every(Number.isFinite));
});

test.serial('bad input exits 2 and names the problem, before any work', async (t) => {
  const [spiral, , diverged] = await runs;
  const folder = join(spiral.artifacts, 'model');
  const copy = (name: string, edit: (dir: string) => void) => {
    const dir = join(root, name);
    cpSync(folder, dir, { recursive: true });
    edit(dir);
    return dir;
  };
  const noWeights = copy('no-weights', (dir) => unlinkSync(join(dir, 'weights.bin')));
  const renamed = copy('renamed', (dir) => {
    const file = join(dir, 'weights.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"name":"w1"', '"name":"w9"'));
  });
  const editConfig = (name: string, edit: (config: { experiment: { system: { name: string } }; source: { plugins: unknown[] } }) => void) =>
    copy(name, (dir) => {
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      edit(config);
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    });
  const lostPlugin = editConfig('lost-plugin', (c) => c.source.plugins.push({ declared: '../gone.ts', path: 'gone.ts', absolute: join(root, 'gone.ts') }));
  const unknownSystem = editConfig('unknown-system', (c) => (c.experiment.system = { name: 'free-particle' }));
  const tracker = selectTracker(createRegistry(), uri);
  const bare = await tracker.createRun({ experimentId: await tracker.getOrCreateExperiment('bare'), runName: 'bare', startTime: Date.now(), tags: {} });
  const cases: [string[], RegExp][] = [
    [['runs:/'], /<model> 'runs:\/': no run id; expected runs:\/<run_id>\/<artifact_path>/],
    [[`runs:/${spiral.summary.runId}`], /no artifact path after the run id/],
    [['models:/m/1'], /'models:' URIs are not supported/],
    [['runs:/nosuchrun/model', '--tracking-uri', uri], /unknown run 'nosuchrun'/],
    [[`runs:/${bare.runId}/model`, '--tracking-uri', uri], new RegExp(`run ${bare.runId} has no model: it has no artifacts under 'model/'`)],
    [[`runs:/${diverged.summary.runId}/model`, '--tracking-uri', uri], /run \w+ has no model: the run skipped it: weight '\w+' is not finite/],
    [[join(root, 'nowhere')], /model folder not found: .*nowhere/],
    [[noWeights], /no-weights': missing weights\.bin \(a model folder holds MLmodel, config\.json, weights\.json, weights\.bin\)/],
    [[renamed, '--backend', 'cpu'], /weights\.json does not match model 'mlp' as configured: 'w1' \[16,2\] is missing; 'w9' is not a variable of the model/],
    [[lostPlugin], /source\.plugins\[0\]: plugin module '\.\.\/gone\.ts' of experiment test\/fixtures\/experiments\/tiny\.ts not found at .*gone\.ts.*pass the module with --plugin/],
    [[unknownSystem], /no longer resolves: system\.name: unknown system plugin 'free-particle'.*pass that module with --plugin/],
    [[folder, '--tracking-uri', uri], /--tracking-uri applies to runs:\/ model URIs/],
    [[folder, '--rollout', '--x0', '1,2,3', '--backend', 'cpu'], /--x0 must have 2 numbers \(the state of 'spiral'\), got 3/],
    [[folder, '--rollout', '--x0', '1,x'], /--x0 must be comma-separated finite numbers like 1,0\.5; '1,x' has 'x'/],
    [[folder, '--rollout', '--points', '1'], /--points must be an integer >= 2, got 1/],
    [[folder, '--rollout', '--json'], /--json applies to the evaluation, not to --rollout/],
    [[folder, '--points', '10'], /--points applies to --rollout only/],
    [[folder, '--energy-starts', '0'], /--energy-starts must be an integer >= 1, got 0/],
    [[folder, '--backend', 'gpu'], /odelab eval: --backend must be one of "auto", .*got "gpu"/],
    [[folder, '--bogus'], /odelab eval: unknown option --bogus/],
  ];
  for (const [args, message] of cases) {
    const r = await inProcess(args);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.stderr, message, args.join(' '));
    t.is(r.stdout, '', args.join(' '));
  }
});

test.serial('a run stopped early (KILLED) logs its model too, with its status and steps', async (t) => {
  const registry = createRegistry();
  const loaded = await loadExperiment('test/fixtures/experiments/tiny.ts', registry);
  const tracker = selectTracker(registry, uri);
  let polls = 0;
  const summary = await resolveRunner(runContainer({ registry, tracker })).run({ loaded, backend: 'cpu', shouldStop: () => (++polls > 5 ? 'SIGINT' : undefined) });
  t.is(summary.status, 'KILLED');
  const config = JSON.parse(new TextDecoder().decode(await tracker.readArtifact(summary.runId, 'model/config.json'))) as { run: { status: string; steps: number } };
  t.deepEqual(config.run, { run_id: summary.runId, backend: 'cpu', status: 'KILLED', steps: 5 });
  t.deepEqual(await tracker.listArtifacts(summary.runId, 'model'), ['model/MLmodel', 'model/config.json', 'model/weights.bin', 'model/weights.json']);
});
