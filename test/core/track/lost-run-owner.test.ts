// Run owners: a dead pid, a reused pid (another start time) and another host are told apart.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { currentOwner, formatOwner, ownerState, parseOwner, processStart } from '../../../core/track/run-owner.ts';

test('this process is alive; a pid that exited is dead; another host is not judged', (t) => {
  const me = currentOwner();
  t.is(ownerState(me), 'alive');
  t.deepEqual(parseOwner(formatOwner(me)), me);
  const exited = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  t.is(ownerState({ host: hostname(), pid: Number(exited), start: '1' }), 'dead');
  t.is(ownerState({ host: `${hostname()}-elsewhere`, pid: 1 }), 'elsewhere');
});

test('a live pid started at another time (a reused pid) is dead to the run', (t) => {
  const start = processStart(process.ppid);
  if (start === undefined) return t.pass('no /proc here: pids alone are compared');
  t.is(ownerState({ host: hostname(), pid: process.ppid, start }), 'alive');
  t.is(ownerState({ host: hostname(), pid: process.ppid, start: String(Number(start) + 1) }), 'dead');
});

test('owner tags that are not ours are ignored', (t) => {
  for (const v of [undefined, '', 'pid 12', '{"host":1,"pid":2}', '{"host":"h","pid":-1}', '[]']) t.is(parseOwner(v), undefined, String(v));
});
