import test from 'ava';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Redis } from 'ioredis';
import { bundleCode, experimentCode, hashFiles } from '../../../core/queue/code-bundle.ts';
import { QueueSigner } from '../../../core/queue/signing.ts';
import { CodeCache, fetchCode, holds, materialise } from '../../../core/queue/code-cache.ts';
import { ConfigError } from '../../../core/errors.ts';

/** A project: an experiment importing a helper (TS-style .js specifier), a type, a plugin with its own import, and a --plugin elsewhere. */
const PROJECT: Record<string, string> = {
  'exp/main.ts': [
    "import { defineExperiment } from 'odelab';",
    "import type { Shape } from './types.ts';",
    "import { steps } from './lib/helper.js';",
    "// import './not-imported.ts' (a comment)",
    "export default defineExperiment({ name: 'x', plugins: ['../plugins/p.ts'], train: { steps } } as Shape);",
  ].join('\n'),
  'exp/types.ts': 'export type Shape = unknown;\n',
  'exp/lib/helper.ts': "import data from '../data.json' with { type: 'json' };\nexport const steps: number = data.steps;\n",
  'exp/data.json': '{ "steps": 10 }\n',
  'exp/not-imported.ts': 'export {};\n',
  'plugins/p.ts': "import { definePlugin } from 'odelab/plugin';\nimport { name } from './shared/name.ts';\nexport default definePlugin({ name } as never);\n",
  'plugins/shared/name.ts': "export const name = 'p';\n",
  'extra/q.ts': "export default await import('./lazy.ts');\n",
  'extra/lazy.ts': 'export default [];\n',
};

async function project(t: { teardown(fn: () => Promise<void>): void }, files = PROJECT): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'odelab-bundle-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

test('the bundle holds the entry files and their relative imports (value imports, JSON, literal dynamic imports), laid out from their common folder', async (t) => {
  const dir = await project(t);
  const { bundle, ref } = await experimentCode(join(dir, 'exp/main.ts'), ['../plugins/p.ts'], [join(dir, 'extra/q.ts')]);
  t.deepEqual(Object.keys(bundle.files).sort(), ['exp/data.json', 'exp/lib/helper.ts', 'exp/main.ts', 'extra/lazy.ts', 'extra/q.ts', 'plugins/p.ts', 'plugins/shared/name.ts']);
  t.is(bundle.files['exp/main.ts'], PROJECT['exp/main.ts']);
  t.deepEqual(ref, { hash: bundle.hash, experiment: 'exp/main.ts', pluginPaths: ['extra/q.ts'] });
  t.is(bundle.hash, hashFiles(bundle.files));
});

test('the hash depends on the code only: stable across runs and folders, changed by any edit', async (t) => {
  const a = await bundleCode([join(await project(t), 'exp/main.ts')]);
  const b = await bundleCode([join(await project(t), 'exp/main.ts')]);
  t.is(a.hash, b.hash);
  t.regex(a.hash, /^[0-9a-f]{64}$/);
  const edited = await bundleCode([join(await project(t, { ...PROJECT, 'exp/lib/helper.ts': PROJECT['exp/lib/helper.ts']!.replace('data.steps', 'data.steps + 1') }), 'exp/main.ts')]);
  t.not(edited.hash, a.hash);
});

test('an absolute plugins path or an unresolvable import is a ConfigError before anything is sent', async (t) => {
  const dir = await project(t);
  await t.throwsAsync(experimentCode(join(dir, 'exp/main.ts'), [join(dir, 'plugins/p.ts')], []), { instanceOf: ConfigError, message: /plugins\[0\]: .* is an absolute path, which cannot travel/ });
  const broken = await project(t, { 'main.ts': "import './missing.ts';\n" });
  await t.throwsAsync(bundleCode([join(broken, 'main.ts')]), { instanceOf: ConfigError, message: /cannot collect the experiment's code for the queue: .*missing\.ts/ });
});

test('materialised files are identical to the originals and verified; a damaged copy is replaced', async (t) => {
  const dir = await project(t);
  const { bundle } = await experimentCode(join(dir, 'exp/main.ts'), ['../plugins/p.ts'], []);
  const root = join(dir, 'cache');
  const folder = await materialise(bundle.hash, bundle.files, root);
  t.is(folder, join(root, bundle.hash));
  for (const [path, text] of Object.entries(bundle.files)) t.is(await readFile(join(folder, path), 'utf8'), text);
  t.true(await holds(folder, bundle.hash));
  await writeFile(join(folder, 'plugins/p.ts'), '// tampered\n');
  t.false(await holds(folder, bundle.hash));
  await materialise(bundle.hash, bundle.files, root);
  t.is(await readFile(join(folder, 'plugins/p.ts'), 'utf8'), PROJECT['plugins/p.ts']);
  await t.throwsAsync(materialise(bundle.hash, { ...bundle.files, 'exp/main.ts': 'changed' }, join(dir, 'other')), { message: /does not match its hash/ });
  await t.throwsAsync(materialise('h', { '../escape.ts': 'x' }, root), { message: /would leave the bundle's folder/ });
});

test('a worker fetches a bundle by hash once, checks it, and resolves the trial paths inside it', async (t) => {
  const dir = await project(t);
  const { bundle, ref } = await experimentCode(join(dir, 'exp/main.ts'), ['../plugins/p.ts'], [join(dir, 'extra/q.ts')]);
  const signer = QueueSigner.withKey('test-key-0123456789abcdef');
  let gets = 0;
  const redis = { get: async () => (gets++, JSON.stringify({ files: bundle.files, mac: signer.sign('bundle', bundle.files) })) } as unknown as Redis;
  const cache = new CodeCache(redis, 'pfx', signer, join(dir, 'cache'));
  const paths = await cache.paths(ref);
  t.deepEqual(paths, { experiment: join(dir, 'cache', bundle.hash, 'exp/main.ts'), pluginPaths: [join(dir, 'cache', bundle.hash, 'extra/q.ts')] });
  await cache.paths(ref);
  t.is(gets, 1);
  const evil = { ...bundle.files, 'exp/main.ts': 'evil' };
  const forged = { get: async () => JSON.stringify({ files: evil, mac: signer.sign('bundle', evil) }) } as unknown as Redis;
  await t.throwsAsync(fetchCode(forged, 'pfx', bundle.hash, signer), { message: /does not match its hash/ });
  const unsigned = { get: async () => JSON.stringify({ files: evil }) } as unknown as Redis;
  await t.throwsAsync(fetchCode(unsigned, 'pfx', bundle.hash, signer), { message: /carries no signature/ });
  const missing = { get: async () => null } as unknown as Redis;
  await t.throwsAsync(fetchCode(missing, 'pfx', bundle.hash, signer), { message: /is not in Redis/ });
});
