// The command line's own surface: --version, help wrapped at word boundaries to the width, usage mistakes said in
// odelab's words (exit 2), and `odelab eval` given a bare run id.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from 'odelab/node';
import { helpWidth } from '../../core/cli/main.ts';
import { modelReference } from '../../core/cli/eval-command.ts';
import { odelab, ROOT } from '../helpers/cli.ts';

const TINY = 'test/fixtures/experiments/tiny.ts';
const root = mkdtempSync(join(tmpdir(), 'odelab-polish-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));

test('--version prints the version of package.json', async (t) => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const r = await odelab(['--version']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.trim(), version);
});

/** The help's entries of a section ("Commands:"), each with its wrapped lines joined by one space. */
function entries(help: string, section: string): string[] {
  const lines = help.split('\n');
  const start = lines.indexOf(`${section}:`);
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.trim()) break;
    if (/^ {2}\S/.test(line) || !out.length) out.push(line.trim());
    else out[out.length - 1] += ` ${line.trim()}`;
  }
  return out;
}

const DESCRIPTIONS = [
  'train and evaluate one experiment, logging to MLflow (file store ./mlruns by default)',
  "run the experiment's sweep section on a worker pool: a parent MLflow run, a child run per trial",
  "run trials of queued sweeps (odelab sweep --queue) on this machine, logging to each sweep's tracking URI",
  'send the records runs left in the local spool to the tracking server and finish those runs',
];

for (const columns of [undefined, '100']) {
  test(`--help wraps at word boundaries within ${columns ?? 80} columns (stdout not a terminal${columns ? ', COLUMNS set' : ''})`, async (t) => {
    const width = Number(columns ?? 80);
    const r = await odelab(['--help'], columns ? { env: { COLUMNS: columns } } : {});
    t.is(r.code, 0, r.stderr);
    for (const line of r.stdout.split('\n')) t.true(line.length <= width, `${line.length} > ${width}: ${line}`);
    const commands = entries(r.stdout, 'Commands');
    // Words broken across lines ("./mlru ns", "MLflo w") would not give the descriptions back when the lines are joined.
    for (const d of DESCRIPTIONS) t.true(commands.some((e) => e.endsWith(d)), `'${d}' in:\n${commands.join('\n')}`);
    const run = await odelab(['run', '--help'], columns ? { env: { COLUMNS: columns } } : {});
    for (const line of run.stdout.split('\n')) t.true(line.length <= width, `${line.length} > ${width}: ${line}`);
    const joined = run.stdout.replace(/\s+/g, ' ');
    t.true(joined.includes("overrides from a JSON object {\"train.lr\": 0.003, ...} (e.g. a sweep's best), applied before --set"), joined);
    t.true(joined.includes('MLflow tracking URI [env MLFLOW_TRACKING_URI; default ./mlruns]'), joined);
    t.notRegex(run.stdout, /\S\[(boolean|string|number|array)\]/, 'a space before each type');
  });
}

test('the help width: the terminal\'s, else $COLUMNS, else 80', (t) => {
  t.is(helpWidth({ isTTY: true, columns: 132 }, {}), 132);
  t.is(helpWidth({ isTTY: true, columns: 132 }, { COLUMNS: '90' }), 132);
  t.is(helpWidth({}, {}), 80);
  t.is(helpWidth({}, { COLUMNS: '100' }), 100);
  t.is(helpWidth({}, { COLUMNS: 'wide' }), 80);
});

test('a missing experiment or model: a friendly message naming an example, exit 2', async (t) => {
  const cases: [string[], string][] = [
    [['run'], 'odelab run: missing the experiment file, e.g. odelab run experiments/spiral.ts'],
    [['sweep', '--workers', '1'], 'odelab sweep: missing the experiment file (one with a sweep section), e.g. odelab sweep experiments/spiral.ts'],
    [['eval'], 'odelab eval: missing the model, e.g. odelab eval runs:/<run_id>/model (or just the run id, or a model folder)'],
  ];
  for (const [args, message] of cases) {
    const r = await odelab(args);
    t.is(r.code, 2, args.join(' '));
    t.is(r.stderr, `${message}\nRun 'odelab ${args[0]} --help' for usage.\n`);
    t.notRegex(r.stderr, /non-option arguments/);
  }
});

test('other usage mistakes: named in odelab\'s words, exit 2', async (t) => {
  const cases: [string[], RegExp][] = [
    [['run', TINY, '--set'], /^odelab run: --set needs a value\n/],
    [['run', TINY, '--bogus'], /^odelab run: unknown option --bogus\n/],
    [['run', TINY, 'other.ts'], /^odelab run: unexpected argument 'other.ts'\n/],
    [['run', TINY, '--backend', 'gpu'], /^odelab run: --backend must be one of "auto", "cpu", "wasm", "tensorflow", "tensorflow-gpu", got "gpu"\n/],
    [['rn', TINY], /^odelab: unknown command 'rn' \(commands: run, sweep, worker, eval, sync, plugins, init\); did you mean 'run'\?\n/],
    [['worker'], /^odelab worker: missing --queue\n/],
    [[], /^odelab: name a command: run, sweep, worker, eval, sync, plugins, init\n/],
  ];
  for (const [args, message] of cases) {
    const r = await odelab(args);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.stderr, message);
  }
});

test('odelab eval <run id>: the run\'s model, as runs:/<id>/model', async (t) => {
  const uri = join(root, 'mlruns');
  const run = await odelab(['run', TINY, '--json', '--quiet', '--backend', 'cpu', '--tracking-uri', uri]);
  t.is(run.code, 0, run.stderr);
  const summary = JSON.parse(run.stdout) as RunSummary;
  const r = await odelab(['eval', summary.runId, '--json', '--quiet', '--backend', 'cpu', '--tracking-uri', uri]);
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { model: string; runId: string; metrics: Record<string, number> };
  t.is(out.model, `runs:/${summary.runId}/model`);
  t.is(out.metrics.eval_rollout_mae, summary.metrics.eval_rollout_mae);
  const unknown = await odelab(['eval', 'f'.repeat(32), '--tracking-uri', uri]);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, new RegExp(`runs:/${'f'.repeat(32)}/model': unknown run`));
});

test('a run id that is also a local path stays a path; other names are never taken for run ids', (t) => {
  const id = 'a'.repeat(32);
  t.is(modelReference(id, () => false), `runs:/${id}/model`);
  t.is(modelReference(id, () => true), id);
  for (const arg of ['model', 'runs:/x/model', `${id}/model`, 'a'.repeat(31)]) t.is(modelReference(arg, () => false), arg);
});
