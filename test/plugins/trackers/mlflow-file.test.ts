// The mlflow-file tracker: MLflow's FileStore layout byte for byte, the run
// lifecycle, path confinement, param immutability and the cross-process lock.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TrackingError, type RunStatus } from 'odelab/plugin';
import { withFileLock } from '../../../core/track/file-lock.ts';
import {
  formatFlatYaml,
  formatPythonFloat,
  parseFlatYaml,
  parsePythonFloat,
  validateKey,
} from '../../../core/track/file-store-yaml.ts';
import tracker, { MlflowFileStore, resolveStoreRoot } from '../../../plugins/trackers/mlflow-file.ts';
import { settles } from '../../helpers/temp-dir.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const fixture = join(repo, 'test/fixtures/mlflow-file-get-or-create.ts');

async function tempRoot(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'odelab-mlflow-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'mlruns');
}

/** Every file and folder under `dir`, relative, sorted; folders end with '/'. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .map((d) => {
      const parent = d.parentPath ?? (d as unknown as { path: string }).path; // Node < 20.12 names it `path`
      return join(parent, d.name).slice(dir.length + 1) + (d.isDirectory() ? '/' : '');
    })
    .sort();
}

const read = (path: string) => readFile(path, 'utf8');
const TIME = /^\d{13}$/;

test('a new root gets .trash and the Default experiment 0, as MLflow creates them', async (t) => {
  const root = await tempRoot(t);
  const store = tracker.create({}, root);
  t.is(await store.getOrCreateExperiment('Default'), '0');
  t.deepEqual(await tree(root), ['.trash/', '0/', '0/meta.yaml']);
  const meta = await read(join(root, '0/meta.yaml'));
  const lines = meta.split('\n');
  t.deepEqual(lines.filter((l) => !/_time: /.test(l)), [
    `artifact_location: ${pathToFileURL(join(root, '0')).href}`,
    "experiment_id: '0'",
    'lifecycle_stage: active',
    'name: Default',
    '',
  ]);
  t.regex(lines[1]!, /^creation_time: \d{13}$/);
  t.regex(lines[3]!, /^last_update_time: \d{13}$/);
});

test('a run is written in the exact FileStore layout and read back', async (t) => {
  const root = await tempRoot(t);
  const store = tracker.create({}, root);
  const expId = await store.getOrCreateExperiment('spiral: lnn');
  t.regex(expId, /^[1-9]\d{17}$/, 'an 18-digit integer id, as _generate_unique_integer_id makes');
  t.is(await store.getOrCreateExperiment('spiral: lnn'), expId, 'same name, same experiment');

  const run = await store.createRun({
    experimentId: expId,
    runName: 'trial-1',
    startTime: 1_700_000_000_000,
    tags: { 'mlflow.user': 'ada', 'git/commit': 'abc123' },
  });
  t.regex(run.runId, /^[0-9a-f]{32}$/);
  const runDir = join(root, expId, run.runId);
  const artifactUri = `${pathToFileURL(join(root, expId)).href}/${run.runId}/artifacts`;
  t.deepEqual(run, {
    runId: run.runId,
    experimentId: expId,
    runName: 'trial-1',
    artifactUri,
    status: 'RUNNING',
    startTime: 1_700_000_000_000,
  });

  await store.logBatch(run.runId, {
    params: { lr: '0.001', 'model/hidden': '64', note: 'two words' },
    tags: { phase: 'train' },
    metrics: [
      { key: 'loss', value: 0.5, timestamp: 1_700_000_000_001, step: 0 },
      { key: 'loss', value: NaN, timestamp: 1_700_000_000_002, step: 1 },
      { key: 'val/energy drift', value: 2, timestamp: 1_700_000_000_002, step: 1 },
      { key: 'loss', value: Infinity, timestamp: 1_700_000_000_003, step: 2 },
    ],
  });
  await store.logBatch(run.runId, {
    metrics: [
      { key: 'loss', value: -Infinity, timestamp: 1_700_000_000_004, step: 3 },
      { key: 'loss', value: 1e-7, timestamp: 1_700_000_000_005, step: 4 },
    ],
  });
  await store.logArtifact(run.runId, 'plots/phase/portrait.svg', '<svg/>');
  await store.logArtifact(run.runId, 'weights.bin', Uint8Array.of(0, 1, 2, 255));
  await store.updateRun(run.runId, { status: 'FINISHED', endTime: 1_700_000_009_999 });

  t.deepEqual(await tree(root), [
    '.trash/',
    '0/',
    '0/meta.yaml',
    `${expId}/`,
    `${expId}/${run.runId}/`,
    `${expId}/${run.runId}/artifacts/`,
    `${expId}/${run.runId}/artifacts/plots/`,
    `${expId}/${run.runId}/artifacts/plots/phase/`,
    `${expId}/${run.runId}/artifacts/plots/phase/portrait.svg`,
    `${expId}/${run.runId}/artifacts/weights.bin`,
    `${expId}/${run.runId}/meta.yaml`,
    `${expId}/${run.runId}/metrics/`,
    `${expId}/${run.runId}/metrics/loss`,
    `${expId}/${run.runId}/metrics/val/`,
    `${expId}/${run.runId}/metrics/val/energy drift`,
    `${expId}/${run.runId}/params/`,
    `${expId}/${run.runId}/params/lr`,
    `${expId}/${run.runId}/params/model/`,
    `${expId}/${run.runId}/params/model/hidden`,
    `${expId}/${run.runId}/params/note`,
    `${expId}/${run.runId}/tags/`,
    `${expId}/${run.runId}/tags/git/`,
    `${expId}/${run.runId}/tags/git/commit`,
    `${expId}/${run.runId}/tags/mlflow.runName`,
    `${expId}/${run.runId}/tags/mlflow.user`,
    `${expId}/${run.runId}/tags/phase`,
    `${expId}/meta.yaml`,
  ]);

  const expMeta = parseFlatYaml(await read(join(root, expId, 'meta.yaml')));
  t.like(expMeta, {
    artifact_location: pathToFileURL(join(root, expId)).href,
    experiment_id: expId,
    lifecycle_stage: 'active',
    name: 'spiral: lnn',
  });
  t.regex(String(expMeta.creation_time), TIME);
  t.true((await read(join(root, expId, 'meta.yaml'))).includes(`experiment_id: '${expId}'\n`));
  t.true((await read(join(root, expId, 'meta.yaml'))).includes("name: 'spiral: lnn'\n"));

  t.is(
    await read(join(runDir, 'meta.yaml')),
    [
      `artifact_uri: ${artifactUri}`,
      'deleted_time: null',
      'end_time: 1700000009999',
      "entry_point_name: ''",
      `experiment_id: '${expId}'`,
      'lifecycle_stage: active',
      `run_id: ${run.runId}`,
      'run_name: trial-1',
      `run_uuid: ${run.runId}`,
      "source_name: ''",
      'source_type: 4',
      "source_version: ''",
      'start_time: 1700000000000',
      'status: 3',
      'tags: []',
      'user_id: ada',
      '',
    ].join('\n'),
  );
  t.is(await read(join(runDir, 'params/lr')), '0.001');
  t.is(await read(join(runDir, 'params/model/hidden')), '64');
  t.is(await read(join(runDir, 'params/note')), 'two words');
  t.is(await read(join(runDir, 'tags/mlflow.runName')), 'trial-1');
  t.is(await read(join(runDir, 'tags/mlflow.user')), 'ada');
  t.is(await read(join(runDir, 'tags/git/commit')), 'abc123');
  t.is(await read(join(runDir, 'tags/phase')), 'train');
  t.is(
    await read(join(runDir, 'metrics/loss')),
    '1700000000001 0.5 0\n1700000000002 nan 1\n1700000000003 inf 2\n1700000000004 -inf 3\n1700000000005 1e-07 4\n',
  );
  t.is(await read(join(runDir, 'metrics/val/energy drift')), '1700000000002 2.0 1\n');
  t.is(await read(join(runDir, 'artifacts/plots/phase/portrait.svg')), '<svg/>');
  t.deepEqual([...(await readFile(join(runDir, 'artifacts/weights.bin')))], [0, 1, 2, 255]);

  const history = await store.getMetricHistory(run.runId, 'loss');
  t.deepEqual(
    history.map((m) => [m.timestamp, m.step]),
    [0, 1, 2, 3, 4].map((i) => [1_700_000_000_001 + i, i]),
  );
  t.deepEqual(history.map((m) => m.value), [0.5, NaN, Infinity, -Infinity, 1e-7]);
  t.deepEqual(await store.getMetricHistory(run.runId, 'never/logged'), []);

  const data = await store.getRun(run.runId);
  t.deepEqual(data.info, { ...run, status: 'FINISHED', endTime: 1_700_000_009_999 });
  t.deepEqual(data.params, { lr: '0.001', 'model/hidden': '64', note: 'two words' });
  t.deepEqual(data.tags, { 'mlflow.runName': 'trial-1', 'mlflow.user': 'ada', 'git/commit': 'abc123', phase: 'train' });
  t.deepEqual(data.metrics, { loss: 1e-7, 'val/energy drift': 2 });

  // A second store object (another process) finds the run by scanning.
  t.deepEqual((await new MlflowFileStore(root).getRun(run.runId)).info, data.info);
});

test('run status is stored as MLflow integers through the lifecycle', async (t) => {
  const root = await tempRoot(t);
  const store = tracker.create({}, root);
  const codes: Record<RunStatus, number> = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 };
  const run = await store.createRun({ experimentId: '0', runName: 'life', startTime: 1000, tags: {} });
  const metaFile = join(root, '0', run.runId, 'meta.yaml');
  let meta = parseFlatYaml(await read(metaFile));
  t.is(meta.status, 1);
  t.is(meta.end_time, null);
  t.true((await read(metaFile)).includes('end_time: null\n'));
  t.is((await store.getRun(run.runId)).info.endTime, undefined);
  for (const [status, code] of Object.entries(codes) as [RunStatus, number][]) {
    await store.updateRun(run.runId, { status, endTime: 2000 + code });
    meta = parseFlatYaml(await read(metaFile));
    t.is(meta.status, code, status);
    t.is(meta.end_time, 2000 + code);
    const info = (await store.getRun(run.runId)).info;
    t.is(info.status, status);
    t.is(info.endTime, 2000 + code);
  }
  await t.throwsAsync(store.updateRun(run.runId, { status: 'DONE' as RunStatus, endTime: 1 }), {
    instanceOf: TrackingError,
    message: /unknown run status 'DONE'/,
  });
});

test('artifact paths are confined to the run artifact folder', async (t) => {
  const root = await tempRoot(t);
  const store = tracker.create({}, root);
  const run = await store.createRun({ experimentId: '0', runName: 'confined', startTime: 1, tags: {} });
  for (const bad of ['../x', '/etc/x', 'a/../../x', 'a/..', '..\\x', 'C:\\x', '', './']) {
    await t.throwsAsync(store.logArtifact(run.runId, bad, 'nope'), {
      instanceOf: TrackingError,
      message: (m) => m.includes(`'${bad}'`),
    });
  }
  t.deepEqual(await readdir(join(root, '0', run.runId, 'artifacts')), []);
  t.deepEqual((await readdir(join(root, '0'))).sort(), [run.runId, 'meta.yaml'].sort());
  await store.logArtifact(run.runId, './deep/er/file.txt', 'ok');
  t.is(await read(join(root, '0', run.runId, 'artifacts/deep/er/file.txt')), 'ok');
});

test('params are immutable: the same value again is fine, a new value is an error', async (t) => {
  const root = await tempRoot(t);
  const store = tracker.create({}, root);
  const run = await store.createRun({ experimentId: '0', runName: 'params', startTime: 1, tags: {} });
  await store.logBatch(run.runId, { params: { lr: '0.1' } });
  await store.logBatch(run.runId, { params: { lr: '0.1' } });
  await t.throwsAsync(store.logBatch(run.runId, { params: { lr: '0.2' } }), {
    instanceOf: TrackingError,
    message: /INVALID_PARAMETER_VALUE.*'lr'.*'0\.1'.*'0\.2'/,
  });
  t.is(await read(join(root, '0', run.runId, 'params/lr')), '0.1');
  t.deepEqual((await store.getRun(run.runId)).params, { lr: '0.1' });
});

test('keys are validated as MLflow does, before anything is written', async (t) => {
  const root = await tempRoot(t);
  const store = tracker.create({}, root);
  const run = await store.createRun({ experimentId: '0', runName: 'keys', startTime: 1, tags: {} });
  for (const bad of ['', 'a*b', '../x', '/abs', 'a//b', 'a/', '.', 'a/./b', '..x', 'a/../b', 'x'.repeat(251)]) {
    t.throws(() => validateKey('param', bad), { instanceOf: TrackingError }, JSON.stringify(bad));
    await t.throwsAsync(
      store.logBatch(run.runId, { params: { fine: '1' }, metrics: [{ key: bad, value: 1, timestamp: 1, step: 0 }] }),
      { instanceOf: TrackingError, message: /invalid metric name/ },
    );
  }
  for (const good of ['loss', 'val/loss', 'a b', 'x.y-z_w', 'a..b', 'épsilon', process.platform === 'win32' ? 'q' : 'ns:key']) {
    t.notThrows(() => validateKey('tag', good), good);
  }
  t.deepEqual((await store.getRun(run.runId)).params, {}, 'a rejected batch writes nothing');
});

test('metric values use the spellings Python float() reads', (t) => {
  const cases: [number, string][] = [
    [NaN, 'nan'], [Infinity, 'inf'], [-Infinity, '-inf'], [0, '0.0'], [-0, '-0.0'], [2, '2.0'], [0.1, '0.1'],
    [1e-5, '1e-05'], [1e-4, '0.0001'], [1e16, '1e+16'], [1e15, '1000000000000000.0'], [-2.5e-300, '-2.5e-300'],
  ];
  for (const [v, text] of cases) {
    t.is(formatPythonFloat(v), text);
    t.true(Object.is(parsePythonFloat(text), v), text);
  }
  t.true(Number.isNaN(parsePythonFloat('NaN')));
  t.is(parsePythonFloat('Infinity'), Infinity);
});

test('the flat YAML quotes what PyYAML would read as another type, and reads PyYAML back', (t) => {
  const data = { a: '0', b: 'yes', c: "it's", d: 'x: y', e: 'plain text', f: 'two\nlines', g: '', h: null, i: 7, j: [] };
  const text = formatFlatYaml(data);
  t.is(
    text,
    "a: '0'\nb: 'yes'\nc: it's\nd: 'x: y'\ne: plain text\nf: \"two\\nlines\"\ng: ''\nh: null\ni: 7\nj: []\n",
  );
  t.deepEqual(parseFlatYaml(text), data);
  // What PyYAML writes for a long name (folded) and a legacy integer experiment id.
  const py = "experiment_id: 12\nname: a very long experiment name that PyYAML folds onto\n  a second line\nother: 'it''s\n  folded'\n";
  t.deepEqual(parseFlatYaml(py), {
    experiment_id: 12,
    name: 'a very long experiment name that PyYAML folds onto a second line',
    other: "it's folded",
  });
});

test('store URIs: plain paths resolve against the cwd, file: URIs are decoded', (t) => {
  t.is(resolveStoreRoot('./mlruns'), resolve(process.cwd(), 'mlruns'));
  t.is(resolveStoreRoot('mlruns'), resolve(process.cwd(), 'mlruns'));
  t.is(resolveStoreRoot(pathToFileURL('/tmp/my runs').href), '/tmp/my runs');
  t.is(resolveStoreRoot('file:./mlruns'), resolve(process.cwd(), 'mlruns'));
  t.is(new MlflowFileStore('file:///tmp/x').uri, '/tmp/x');
});

test('experiments: unknown ids, deleted names and run-name conflicts are TrackingErrors', async (t) => {
  const root = await tempRoot(t);
  const store = tracker.create({}, root);
  const id = await store.getOrCreateExperiment('gone');
  await store.getOrCreateExperiment('kept');
  await rename(join(root, id), join(root, '.trash', id)); // where `mlflow experiments delete` moves it
  await t.throwsAsync(store.getOrCreateExperiment('gone'), { instanceOf: TrackingError, message: /deleted state/ });
  await t.throwsAsync(store.createRun({ experimentId: id, runName: 'r', startTime: 1, tags: {} }), {
    instanceOf: TrackingError,
    message: /does not exist/,
  });
  await t.throwsAsync(store.createRun({ experimentId: '0', runName: 'a', startTime: 1, tags: { 'mlflow.runName': 'b' } }), {
    instanceOf: TrackingError,
    message: /differs/,
  });
  await t.throwsAsync(store.getRun('0123456789abcdef0123456789abcdef'), { instanceOf: TrackingError, message: /not found/ });
  await t.throwsAsync(store.getRun('../etc'), { instanceOf: TrackingError, message: /invalid run id/ });
});

test('reading from a store that does not exist creates nothing', async (t) => {
  const root = await tempRoot(t);
  const store = tracker.create({}, root);
  await t.throwsAsync(store.getRun('0123456789abcdef0123456789abcdef'), { instanceOf: TrackingError, message: /not found/ });
  await t.throwsAsync(store.getMetricHistory('0123456789abcdef0123456789abcdef', 'loss'), { instanceOf: TrackingError });
  await t.throwsAsync(stat(root), { code: 'ENOENT' });
});

function runContender(root: string, name: string, go: string, calls: number): { ready: Promise<void>; ids: Promise<string[]> } {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, root, name, go, String(calls)], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onReady: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('ready\n')) onReady();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ids = new Promise<string[]>((res, rej) =>
    child.on('close', (code) => {
      const found = [...out.matchAll(/^id (\S+)$/gm)].map((m) => m[1]!);
      if (code === 0 && found.length === calls) res(found);
      else rej(new Error(`contender exited with ${code}: ${err || out}`));
    }),
  );
  ids.catch(() => onReady()); // a child that dies early must not hang the barrier
  return { ready, ids };
}

test('8 processes calling getOrCreateExperiment at once create exactly one experiment', async (t) => {
  const root = await tempRoot(t);
  const go = join(dirname(root), 'go');
  // 8 processes on a fresh root (racing to create it too), each also making 3 calls at once.
  const contenders = Array.from({ length: 8 }, () => runContender(root, 'same', go, 3));
  await Promise.all(contenders.map((c) => c.ready));
  await writeFile(go, '');
  const ids = (await Promise.all(contenders.map((c) => c.ids))).flat();
  t.is(ids.length, 24);
  t.is(new Set(ids).size, 1, `ids: ${ids.join(', ')}`);
  const names: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name !== '.trash') {
      names.push(String(parseFlatYaml(await read(join(root, entry.name, 'meta.yaml'))).name));
    }
  }
  t.deepEqual(names.sort(), ['Default', 'same']);
  t.deepEqual((await readdir(root)).sort(), ['.trash', '0', ids[0]!].sort(), 'no lock file or temporaries left');
  t.deepEqual((await readdir(dirname(root))).sort(), ['go', 'mlruns'], 'no staging copies of the root left');
});

test('the lock excludes concurrent holders and breaks stale locks', async (t) => {
  const dir = dirname(await tempRoot(t));
  const lock = join(dir, 'x.lock');
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 6 }, () =>
      withFileLock(lock, async () => {
        most = Math.max(most, ++inside);
        await new Promise((r) => setTimeout(r, 5));
        inside--;
      }),
    ),
  );
  t.is(most, 1);
  await t.throwsAsync(stat(lock), { code: 'ENOENT' });

  // Held by a process that has exited: broken at once.
  const dead = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => dead.on('close', r));
  await writeFile(lock, JSON.stringify({ pid: dead.pid, host: hostname(), token: 't', time: 0 }));
  t.is(await withFileLock(lock, async () => 'took it', { timeoutMs: 2000 }), 'took it');

  // Held by a live process but older than staleMs: broken too.
  await writeFile(lock, JSON.stringify({ pid: process.pid, host: hostname(), token: 't', time: 0 }));
  const old = new Date(Date.now() - 60_000);
  await utimes(lock, old, old);
  t.is(await withFileLock(lock, async () => 'took it', { staleMs: 30_000, timeoutMs: 2000 }), 'took it');

  // Held by a live process, fresh: we wait, then give up with a clear error.
  await writeFile(lock, JSON.stringify({ pid: process.pid, host: hostname(), token: 't', time: Date.now() }));
  await t.throwsAsync(withFileLock(lock, async () => 'never', { timeoutMs: 100 }), {
    instanceOf: TrackingError,
    message: /timed out .*x\.lock/,
  });
});


test('an unusable root is a ConfigError at once, naming the path and what is wrong: /proc, /sys, a file as the root or a parent', async (t) => {
  const dir = dirname(await tempRoot(t));
  const file = join(dir, 'a-file');
  await writeFile(file, 'not a folder');
  const cases: [string, RegExp][] = [
    // Node's recursive mkdir never returns here: procfs refuses the entry with ENOENT while its parent exists.
    [`/proc/odelab-test-${process.pid}`, /cannot be created: \/proc accepts no new folders \(ENOENT\)/],
    [`/proc/odelab-test-${process.pid}/deeper`, /\/proc\/odelab-test-\d+: cannot be created: \/proc accepts no new folders/],
    [`/sys/odelab-test-${process.pid}`, /cannot be created: (operation not permitted \(EPERM\)|permission denied \(EACCES\)|read-only file system \(EROFS\))/],
    // An existing folder that refuses writes even to root.
    ['/sys/kernel', /cannot be (created|written to): (operation not permitted|permission denied|read-only file system)/],
    [file, /is not usable: is a file, not a folder$/],
    [join(file, 'mlruns'), new RegExp(`is not usable: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: is a file, not a folder$`)],
  ];
  for (const [root, reason] of cases) {
    const store = tracker.create({}, root) as MlflowFileStore;
    const e = await settles(t.throwsAsync(store.checkUsable()), 30_000, `checkUsable on ${root}`);
    t.is(e?.name, 'ConfigError', `${root}: ${e?.message}`);
    t.true(e!.message.startsWith(`tracking store ${root} is not usable: `), e?.message);
    t.regex(e!.message, reason);
    t.false(e!.message.includes('\n'), 'one line');
    // Every call that writes fails the same way, at once.
    const again = await settles(t.throwsAsync(store.getOrCreateExperiment('x')), 30_000, `getOrCreateExperiment on ${root}`);
    t.is(again?.message, e?.message);
  }
  t.deepEqual((await readdir(dir)).sort(), ['a-file'], 'no staging folders or probe files left');
});

test('a usable root passes the check and keeps no probe file', async (t) => {
  const root = await tempRoot(t);
  const store = tracker.create({}, root) as MlflowFileStore;
  await store.checkUsable();
  t.deepEqual((await readdir(root)).sort(), ['.trash', '0']);
  const id = await store.getOrCreateExperiment('after-check');
  t.deepEqual((await readdir(root)).sort(), ['.trash', '0', id].sort());
});
