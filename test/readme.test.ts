// Every command of the README's shell blocks works as written. The lines run
// in order, each in bash, in a scratch folder that sees odelab as a user's
// folder would (experiments/ of the checkout, `npx odelab` from a local
// node_modules/.bin), so runs, sweep files and `odelab init`'s project land
// there. Training commands get overrides appended that make them short;
// nothing else is changed, except the sweep id the README writes as
// `<sweep id>`, which is read from the sweep's own output folder.
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, symlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { BIN, ROOT } from './helpers/cli.ts';
import { tempDir } from './helpers/temp-dir.ts';

const exec = promisify(execFile);

/** The README's ```sh blocks, each a list of command lines (comments and blank lines dropped). */
function shellBlocks(markdown: string): string[][] {
  const blocks: string[][] = [];
  for (const m of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = m[1]!
      .split('\n')
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter((l) => l && !l.startsWith('#'));
    blocks.push(lines);
  }
  return blocks;
}

/** Overrides that make a training command short: appended after the README's own, so they win. */
const SHORT: Record<string, string> = {
  run: '--quiet --set train.steps=5 --set eval.plots=false',
  sweep: '--quiet --set train.steps=5 --set eval.plots=false --max-trials 2',
};

/** One README line as the test runs it. */
function shortened(line: string, sweepId: () => string): string {
  const withId = line.includes('<sweep id>') ? line.replaceAll('<sweep id>', sweepId()) : line;
  return withId.replace(/(npx odelab (run|sweep) [^&;]*)/g, (cmd, _all, verb: string) => `${cmd.trimEnd()} ${SHORT[verb]}`);
}

test('the README is short and starts with exactly the two set-up commands', async (t) => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  t.deepEqual(shellBlocks(readme)[0], ['npm install && npm start', 'npm test']);
  t.true(readme.split('\n').length <= 250, `${readme.split('\n').length} lines: reference material belongs in docs/`);
});

test('the repository is self-contained: no source, test or benchmark reads a folder beside the checkout', async (t) => {
  const outside: string[] = [];
  for (const folder of ['core', 'plugins', 'scripts', 'test', 'experiments', 'bin']) {
    for (const entry of readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.(ts|mjs|js)$/.test(entry.name)) continue;
      const file = join(entry.parentPath, entry.name);
      const text = await readFile(file, 'utf8');
      // A relative path with more '..' steps than the file is deep: it leaves the checkout.
      const depth = relative(ROOT, file).split(sep).length - 1;
      if (new RegExp(`(\\.\\./){${depth + 1},}[a-z]`).test(text)) outside.push(relative(ROOT, file));
    }
  }
  t.deepEqual(outside, []);
});

test("every command in the README's shell blocks works as written", async (t) => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const blocks = shellBlocks(readme).slice(1);
  t.true(blocks.flat().some((l) => l.startsWith('npx odelab sweep')), 'the README shows a sweep');
  t.true(blocks.flat().some((l) => l.startsWith('npx odelab init')), 'the README shows odelab init');

  const scratch = await tempDir(t, 'odelab-readme-');
  const cwd = join(scratch, 'work');
  await mkdir(join(cwd, 'node_modules', '.bin'), { recursive: true });
  await symlink(BIN, join(cwd, 'node_modules', '.bin', 'odelab'));
  await symlink(join(ROOT, 'experiments'), join(cwd, 'experiments'));
  const env = { ...process.env };
  delete env.MLFLOW_TRACKING_URI;
  delete env.ODELAB_BACKEND;

  const sweepId = () => {
    const dir = join(cwd, '.odelab', 'sweeps');
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('-best.json')) : [];
    if (files.length !== 1) throw new Error(`expected one best file in ${dir}, found ${files.length}`);
    return files[0]!.replace(/-best\.json$/, '');
  };
  // Line by line, so that a line may use what an earlier one made (the sweep id of its best file).
  for (const line of blocks.flat()) {
    const command = shortened(line, sweepId);
    try {
      await exec('bash', ['-c', `set -euo pipefail; ${command}`], { cwd, env, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 });
    } catch (e) {
      const { stderr, stdout } = e as { stderr?: string; stdout?: string };
      t.fail(`README command failed: ${command}\n--- stdout\n${stdout ?? ''}\n--- stderr\n${stderr ?? ''}`);
      return;
    }
    t.pass(line);
  }
  t.true(existsSync(join(cwd, 'mlruns')), 'runs went to ./mlruns of the folder the commands ran in');
});
