// Plugin mistakes are bad input, found before any work: exit 2 with the
// plugin, the function and what was wrong, and no run in the store. Before
// these checks, Math.cos on a jet gave a FINISHED run with eval_accel_rel
// 6e301 and exit 0, and a sampler of the wrong length a TypeError (exit 1).
import test from 'ava';
import { readdirSync } from 'node:fs';
import { odelab } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const EXPERIMENT = 'test/fixtures/experiments/pendulum-tiny.ts';
const FAULTY = ['--plugin', 'test/fixtures/faulty/plugins.ts'];

const cases: [string, string[], RegExp][] = [
  ['Math.cos on a jet', ['--set', 'system.name=math-cos-pendulum'], /system plugin 'math-cos-pendulum': lagrangian\(q, q̇\) is not finite/],
  ['a sampler of the wrong length', ['--set', 'system.name=long-sampler-pendulum'], /sampleInitialState\(rng\) returned 3 values, expected 2/],
  ['a missing sampler', ['--set', 'system.name=no-sampler', '--set', 'model={"name":"mlp"}', '--set', 'train.objective={"name":"trajectory"}'], /'no-sampler': sampleInitialState\(rng\) is missing/],
  ['a model output of the wrong shape', ['--set', 'model={"name":"wrong-shape-model"}', '--set', 'train.objective={"name":"trajectory"}'], /model plugin 'wrong-shape-model': vectorField\(t, x\) returned shape \[2\] for a batch of 2 states of 'pendulum'; expected \[2, 2\]/],
];

for (const [what, args, message] of cases) {
  test(`${what}: exit 2 before any work, naming the plugin and the function`, async (t) => {
    const dir = await tempDir(t, 'odelab-checks-');
    const r = await odelab(['run', EXPERIMENT, '--tracking-uri', dir, '--quiet', ...FAULTY, ...args]);
    t.is(r.code, 2, r.stderr);
    t.regex(r.stderr, message);
    const experiments = readdirSync(dir).filter((n) => n !== '0' && n !== '.trash');
    t.deepEqual(experiments, [], 'no run was created');
  });
}
