// experiments/bouncing-ball.ts trains an LNN through the ball's bounces
// (events with jumps): a shortened run must finish, its loss must fall by a
// large factor (the bounce times move with the weights and their gradients
// reach the loss), and the adjoint must be refused on this system before any
// work (exit 2 naming gradient.name).
import test from 'ava';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { odelab } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp-dir.ts';

async function metric(store: string, key: string): Promise<number[]> {
  const experiments = (await readdir(store, { withFileTypes: true })).filter((d) => d.isDirectory() && /^\d+$/.test(d.name) && d.name !== '0');
  const runDir = join(store, experiments[0]!.name);
  const runs = (await readdir(runDir, { withFileTypes: true })).filter((d) => d.isDirectory());
  const lines = (await readFile(join(runDir, runs[0]!.name, 'metrics', key), 'utf8')).trim().split('\n');
  return lines.map((l) => Number(l.split(' ')[1]));
}

test('the bouncing-ball experiment trains through the bounces', async (t) => {
  const store = await tempDir(t, 'odelab-bounce-');
  const r = await odelab(['run', 'experiments/bouncing-ball.ts', '--tracking-uri', store, '--set', 'train.steps=80', '--set', 'train.logEvery=10']);
  t.is(r.code, 0, r.stderr);
  const loss = await metric(store, 'train_loss');
  t.true(loss.length >= 8);
  t.true(loss.at(-1)! < loss[0]! / 4, `loss ${loss[0]} -> ${loss.at(-1)}`);
});

test('the adjoint is refused on a system with events, before any work', async (t) => {
  const store = await tempDir(t, 'odelab-bounce-adj-');
  const r = await odelab(['run', 'experiments/bouncing-ball.ts', '--tracking-uri', store, '--set', 'gradient.name=adjoint']);
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /gradient\.name/);
});
