// Property-based fuzzing of the configuration boundary (fast-check): random values at random config
// paths through --set and --set-file, random experiment-file shapes and random sweep spaces either
// resolve to a valid config or raise a ConfigError whose message names the path at fault; nothing
// else escapes (no TypeError, no stack trace, no exit 1 for bad input). A few samples also go through
// the CLI in a child process (exit 0 or 2, never 1, never a stack trace).
//
// In `npm test`: a fixed seed and a small count. ODELAB_FUZZ_RUNS=N (and ODELAB_FUZZ_SEED) run more:
// `ODELAB_FUZZ_RUNS=10000 npx ava --timeout=20m test/fuzz/` gives the figures in docs/reliability.md.
import test from 'ava';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRegistry } from 'odelab/node';
import { ConfigError } from '../../core/errors.ts';
import { importExperiment, loadExperiment } from '../../core/config/load.ts';
import { applyOverrides } from '../../core/config/overrides.ts';
import { resolveExperiment, flattenConfig } from '../../core/config/resolve.ts';
import { readSetFile } from '../../core/config/set-file.ts';
import { planSweep } from '../../core/sweep/sweep.ts';
import { odelab, ROOT } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { FUZZ_SEED, fuzzRuns } from './fuzz-settings.ts';

const TINY = join(ROOT, 'test/fixtures/experiments/tiny.ts');
const SWEEP = join(ROOT, 'test/fixtures/experiments/sweep-tiny.ts');
const registry = createRegistry();
const base = await importExperiment(TINY);
const sweepBase = await importExperiment(SWEEP);
/** The sweep fixture's registry holds its plugin (faulty-mlp). */
const sweepRegistry = createRegistry();
const sweepLoaded = await loadExperiment(SWEEP, sweepRegistry);
/** Every path of the resolved config: the places a user's --set most often goes. */
const PATHS = Object.keys(flattenConfig(resolveExperiment(base.spec, registry)));

/** A config path: a real one, a real one with a made-up tail, or a made-up one. */
const path = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...PATHS) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...PATHS), fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,6}$/)).map(([p, tail]) => `${p}.${tail}`) },
  { weight: 2, arbitrary: fc.array(fc.stringMatching(/^[A-Za-z_][\w-]{0,8}$/), { minLength: 1, maxLength: 4 }).map((k) => k.join('.')) },
);

/** A value as JSON or as the raw text a user might type. */
const special = fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e400', '-0', '', ' ', 'null', 'true', '[]', '{}', '[[]]', '0x10', '1_000', '"', '{"a":', '\u0000', '💥', 'rk4', 'mlp', 'spiral');
const valueText = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 3, arbitrary: fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.double({ noNaN: false })).map((v) => String(v)) },
  { weight: 2, arbitrary: special },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);
const override = fc.tuple(path, valueText).map(([p, v]) => `${p}=${v}`);
/** A raw --set argument, sometimes malformed. */
const rawSet = fc.oneof({ weight: 9, arbitrary: override }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) });

/** The property: valid, or a ConfigError whose message names its path (or the whole input). */
function validOrNamed(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw new Error(`not a ConfigError: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
    if (typeof e.message !== 'string' || e.message.length === 0) throw new Error('a ConfigError without a message');
    const named = e.path === '' || e.message.includes(e.path) || e.message.includes(e.path.split('.')[0]!);
    if (!named) throw new Error(`ConfigError at '${e.path}' does not name it: ${e.message}`);
  }
}

const runs = (small: number) => ({ seed: FUZZ_SEED, numRuns: fuzzRuns(small) });

test('--set: random values at random config paths resolve or name the path', (t) => {
  fc.assert(
    fc.property(fc.array(rawSet, { minLength: 1, maxLength: 4 }), (sets) => {
      validOrNamed(() => resolveExperiment(applyOverrides(base.spec, sets), registry));
    }),
    runs(300),
  );
  t.pass();
});

test('--set-file: random JSON objects (and non-objects) resolve or name the path', async (t) => {
  const dir = await tempDir(t, 'odelab-fuzz-setfile-');
  const file = join(dir, 'set.json');
  let i = 0;
  fc.assert(
    fc.property(
      fc.oneof(
        { weight: 8, arbitrary: fc.dictionary(path, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }).map((o) => JSON.stringify(o)) },
        { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
        { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
      ),
      (text) => {
        writeFileSync(file, text);
        i += 1;
        validOrNamed(() => resolveExperiment(applyOverrides(base.spec, readSetFile(file)), registry));
      },
    ),
    runs(200),
  );
  t.true(i > 0);
});

test('experiment files of random shapes resolve or name the path', (t) => {
  const sections = ['name', 'seed', 'system', 'model', 'integrator', 'gradient', 'data', 'train', 'eval', 'sweep', 'plugins', 'next'];
  const shape = fc.oneof(
    // The real spec with whole sections replaced, removed or added.
    fc.dictionary(fc.constantFrom(...sections, 'extra'), fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined)), { maxKeys: 4 }).map((changes) => ({ ...base.spec, ...changes })),
    // Anything at all.
    fc.anything({ maxDepth: 3 }),
  );
  fc.assert(
    fc.property(shape, (spec) => {
      validOrNamed(() => resolveExperiment(spec as never, registry));
    }),
    runs(300),
  );
  t.pass();
});

test('random sweep spaces expand to valid trials or name the path', (t) => {
  const number = fc.oneof(fc.double({ min: -10, max: 10, noNaN: false }), fc.integer({ min: -5, max: 1000 }), fc.constantFrom(0, 1e-9, 1e300));
  const space = fc.oneof(
    fc.record({ type: fc.constant('grid'), values: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 4 }) }),
    fc.record({ type: fc.constant('choice'), values: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 4 }) }),
    fc.record({ type: fc.constantFrom('uniform', 'loguniform', 'randint'), low: number, high: number }),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const sweep = fc.record(
    {
      parameters: fc.dictionary(path, space, { minKeys: 0, maxKeys: 3 }),
      trials: fc.oneof(fc.integer({ min: -2, max: 3 }), fc.jsonValue({ maxDepth: 0 })),
      objective: fc.oneof(fc.constant({ metric: 'eval_rollout_mae', mode: 'min' }), fc.record({ metric: fc.string({ maxLength: 12 }), mode: fc.constantFrom('min', 'max', 'up') })),
      seed: fc.oneof(fc.integer({ min: 0, max: 1e6 }), fc.double()),
    },
    { requiredKeys: ['parameters'] },
  );
  fc.assert(
    fc.property(sweep, fc.constantFrom<'none' | 'asha'>('none', 'asha'), (section, scheduler) => {
      validOrNamed(() => {
        const spec = { ...sweepBase.spec, sweep: section };
        const resolved = resolveExperiment(spec as never, sweepRegistry);
        planSweep({ loaded: { ...sweepLoaded, spec: spec as never, resolved }, registry: sweepRegistry, maxTrials: 8, scheduler, overrides: [] });
      });
    }),
    runs(200),
  );
  t.pass();
});

test('the CLI: random --set values exit 0 or 2 with one line naming the path, never 1, never a stack trace', async (t) => {
  const samples = fc.sample(fc.array(override, { minLength: 1, maxLength: 2 }), { seed: FUZZ_SEED, numRuns: fuzzRuns(3, 'ODELAB_FUZZ_CLI_RUNS') });
  const store = join(await tempDir(t, 'odelab-fuzz-cli-'), 'mlruns');
  for (const sets of samples) {
    // Keep a valid sample cheap: few steps, no plots.
    const args = ['run', TINY, '--quiet', '--backend', 'cpu', '--tracking-uri', store, '--set', 'train.steps=2', '--set', 'eval.plots=false', ...sets.flatMap((s) => ['--set', s])];
    const r = await odelab(args);
    t.true(r.code === 0 || r.code === 2, `${sets.join(' ')}: exit ${r.code}\n${r.stderr}`);
    t.notRegex(r.stderr, /\n\s+at .+:\d+:\d+\)?/, `${sets.join(' ')}: a stack trace`);
    if (r.code === 2) t.regex(r.stderr, /\S/, 'says what is wrong');
  }
});
