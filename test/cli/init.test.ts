// odelab from a folder of your own: `odelab init` makes a project, `npm install`
// there links odelab, and `npx odelab run` runs the example experiment, which
// imports 'odelab' and loads its physics plugin from a path; all end to end in
// a temporary folder, as a user would do it.
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EXAMPLE_EXPERIMENT, EXAMPLE_FILES } from '../../core/cli/init-command.ts';
import { odelab, ROOT } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const run = promisify(execFile);

/** The environment without a tracking URI, so that runs go to the project's ./mlruns. */
function withoutTrackingEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.MLFLOW_TRACKING_URI;
  return env;
}

/** Small enough for a test: the example's own settings with a few steps and a small evaluation. */
const QUICK = ['--set', 'train.steps=10', '--set', 'eval.energyStarts=2', '--set', 'eval.energyTime=1', '--set', 'eval.plots=false', '--set', 'eval.accelerationSamples=16'];

test('odelab init makes a project; npm install and npx odelab run work there, with runs in the project', async (t) => {
  const parent = await tempDir(t, 'odelab-init-');
  const dir = join(parent, 'my-lab');
  const init = await odelab(['init', dir]);
  t.is(init.code, 0, init.stderr);
  t.regex(init.stdout, /npm install/);

  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { type: string; dependencies: Record<string, string> };
  t.is(pkg.type, 'module');
  t.regex(pkg.dependencies.odelab!, /^file:/);
  for (const f of [...EXAMPLE_FILES, 'tsconfig.json', '.gitignore', 'README.md']) t.true(existsSync(join(dir, f)), f);
  t.is(await readFile(join(dir, EXAMPLE_FILES[1]), 'utf8'), await readFile(join(ROOT, EXAMPLE_FILES[1]), 'utf8'), 'the example is odelab\'s own');

  // A file: dependency on a folder is a link: no registry needed.
  await run('npm', ['install', '--no-audit', '--no-fund', '--offline'], { cwd: dir, timeout: 120_000 });
  const { stdout } = await run('npx', ['--no-install', 'odelab', 'run', EXAMPLE_EXPERIMENT, '--json', '--quiet', ...QUICK], {
    cwd: dir,
    timeout: 300_000,
    env: withoutTrackingEnv(),
  });
  const summary = JSON.parse(stdout) as { status: string; artifactUri: string; params: Record<string, string> };
  t.is(summary.status, 'FINISHED');
  t.is(summary.params['system.name'], 'spring-pendulum');
  t.true(summary.artifactUri.startsWith(`file://${join(dir, 'mlruns')}`), summary.artifactUri);
});

test('from a tarball (npm pack): the packed files are all an installed odelab needs to run the example', async (t) => {
  const parent = await tempDir(t, 'odelab-init-');
  const { stdout: packed } = await run('npm', ['pack', '--pack-destination', parent, ROOT], { cwd: parent, timeout: 120_000 });
  const tgz = join(parent, packed.trim().split('\n').at(-1)!);
  const dir = join(parent, 'from-tarball');
  t.is((await odelab(['init', dir, '--odelab', tgz])).code, 0);
  // odelab's own dependencies come from npm's cache (filled by this checkout's npm ci).
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, timeout: 300_000 });
  t.false((await lstat(join(dir, 'node_modules', 'odelab'))).isSymbolicLink(), 'a copy of the packed files, not a link to the checkout');
  const { stdout } = await run('npx', ['--no-install', 'odelab', 'run', EXAMPLE_EXPERIMENT, '--json', '--quiet', ...QUICK], { cwd: dir, timeout: 300_000, env: withoutTrackingEnv() });
  t.is((JSON.parse(stdout) as { status: string }).status, 'FINISHED');
});

test('odelab init refuses a folder that is not empty, before writing anything (exit 2)', async (t) => {
  const dir = await tempDir(t, 'odelab-init-');
  await writeFile(join(dir, 'notes.txt'), 'mine');
  const r = await odelab(['init', dir]);
  t.is(r.code, 2);
  t.regex(r.stderr, /not empty/);
  t.false(existsSync(join(dir, 'package.json')));
});

test('odelab init --odelab takes a tarball path or a git URL as the dependency; a missing path is exit 2', async (t) => {
  const parent = await tempDir(t, 'odelab-init-');
  const tgz = join(parent, 'odelab-0.1.0.tgz');
  await writeFile(tgz, '');
  t.is((await odelab(['init', join(parent, 'a'), '--odelab', tgz])).code, 0);
  const a = JSON.parse(await readFile(join(parent, 'a', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  t.is(a.dependencies.odelab, 'file:../odelab-0.1.0.tgz');
  t.is((await odelab(['init', join(parent, 'b'), '--odelab', 'git+https://example.org/odelab.git'])).code, 0);
  const b = JSON.parse(await readFile(join(parent, 'b', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  t.is(b.dependencies.odelab, 'git+https://example.org/odelab.git');
  const missing = await odelab(['init', join(parent, 'c'), '--odelab', join(parent, 'nowhere.tgz')]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /--odelab/);
});

test('an experiment file outside any ES-module project gets a message saying what to do, not a module-cycle error', async (t) => {
  const dir = await tempDir(t, 'odelab-init-');
  await mkdir(join(dir, 'loose'));
  const file = join(dir, 'loose', 'exp.ts');
  await writeFile(file, await readFile(join(ROOT, 'experiments', 'spiral.ts'), 'utf8'));
  const r = await odelab(['run', file, '--quiet']);
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /odelab init|"type": "module"/);
  t.notRegex(r.stderr, /in a cycle/);
});
