// The model artifact's format: bit-exact weights, the manifest's and MLmodel's checks, config.json's round trip, model references.
import test from 'ava';
import { ConfigError } from 'odelab';
import type { NamedWeights } from 'odelab/plugin';
import { createRegistry, loadExperiment, flattenConfig, resolveExperiment } from 'odelab/node';
import { instantiateSystem } from '../../../core/physics/instantiate.ts';
import { createModel } from '../../../core/run/run-setup.ts';
import { logModel, modelArtifactFiles } from '../../../core/model-io/model-artifact.ts';
import { parseFlavor } from '../../../core/model-io/read-model.ts';
import { formatYaml, parseYaml } from '../../../core/model-io/mlmodel-yaml.ts';
import { experimentSpecOf, parseModelConfig, stringifyConfig, buildModelConfig } from '../../../core/model-io/model-config.ts';
import { parseModelRef } from '../../../core/model-io/model-source.ts';
import { checkWeightsFit, decodeWeights, encodeWeights, nonFiniteWeight, parseManifest } from '../../../core/model-io/weights-codec.ts';

const bits = (values: number[]) => Array.from(new Uint32Array(Float32Array.from(values).buffer));

test('weights round-trip bit-exactly through weights.json + weights.bin (little-endian float32)', (t) => {
  const awkward = [0, -0, 1e-45, -1.17549435e-38, 3.4028234663852886e38, Math.fround(Math.PI), -Infinity, Infinity, Math.fround(1 / 3)];
  const weights: NamedWeights = {
    'L/w0': { shape: [3, 3], values: awkward },
    'L/b0': { shape: [3], values: [1, 2, 3].map((x) => Math.fround(x / 7)) },
    empty: { shape: [0, 4], values: [] },
  };
  const { manifest, data } = encodeWeights(weights);
  t.deepEqual(manifest.map((e) => [e.name, e.byteOffset, e.byteLength, e.dtype]), [['L/w0', 0, 36, 'float32'], ['L/b0', 36, 12, 'float32'], ['empty', 48, 0, 'float32']]);
  t.is(data.length, 48);
  t.is(new DataView(data.buffer).getFloat32(36, true), weights['L/b0']!.values[0]!, 'little-endian');
  const back = decodeWeights(parseManifest(JSON.parse(JSON.stringify(manifest)), data.length, 'weights.json'), data);
  for (const [name, w] of Object.entries(weights)) {
    t.deepEqual(back[name]!.shape, w.shape);
    t.deepEqual(bits(back[name]!.values), bits(w.values), name);
  }
  t.true(Object.is(back['L/w0']!.values[1], -0));
});

test("a model's weights survive the trip into a model initialised differently, bit for bit", async (t) => {
  const registry = createRegistry();
  const { resolved } = await loadExperiment('test/fixtures/experiments/pendulum-tiny.ts', registry);
  const system = instantiateSystem(resolved.system.plugin, resolved.system.options as never);
  const a = createModel(resolved, system, 1);
  const b = createModel(resolved, system, 2);
  const { manifest, data } = encodeWeights(a.getWeights());
  checkWeightsFit(b.getWeights(), manifest, 'weights.json', 'lnn');
  b.setWeights(decodeWeights(manifest, data));
  for (const [name, w] of Object.entries(a.getWeights())) t.deepEqual(bits(b.getWeights()[name]!.values), bits(w.values), name);
  a.dispose();
  b.dispose();
});

test('a manifest that does not fit the data or the model is a ConfigError naming the entry', (t) => {
  const { manifest, data } = encodeWeights({ w0: { shape: [2, 2], values: [1, 2, 3, 4] }, b0: { shape: [2], values: [5, 6] } });
  const bad = (m: unknown, length = data.length) => t.throws(() => parseManifest(m, length, 'model/weights.json'), { instanceOf: ConfigError })!.message;
  t.regex(bad({}), /model\/weights\.json must be an array/);
  t.regex(bad([{ ...manifest[0], dtype: 'float16' }]), /weights\.json\[0\]\.dtype must be 'float32'/);
  t.regex(bad([{ ...manifest[0], byteLength: 12 }]), /\[0\]\.byteLength must be 16/);
  t.regex(bad(manifest, 20), /\[1\] \('b0'\) reads bytes 16\.\.24 but weights\.bin has 20 bytes/);
  t.regex(bad([manifest[0], { ...manifest[1], name: 'w0' }]), /\[1\]\.name must be unique/);
  const model = { w0: { shape: [2, 2], values: [] }, b0: { shape: [3], values: [] }, w1: { shape: [1], values: [] } };
  const fit = t.throws(() => checkWeightsFit(model, manifest, 'model/weights.json', 'mlp'), { instanceOf: ConfigError })!.message;
  t.regex(fit, /model\/weights\.json does not match model 'mlp'/);
  t.regex(fit, /'b0' has shape \[2\], the model's is \[3\]/);
  t.regex(fit, /'w1' \[1\] is missing/);
  t.is(nonFiniteWeight({ w: { shape: [2], values: [1, NaN] } }), 'w');
});

test('MLmodel: nested YAML that reads back; the flavor is checked', (t) => {
  const map = { artifact_path: 'model', flavors: { odelab: { format_version: 1, odelab_version: '0.1.0', weights: { data: 'weights.bin' } } }, run_id: '0abc', when: '2025-01-01 00:00:00.000000', odd: 'yes' };
  const text = formatYaml(map);
  t.regex(text, /^artifact_path: model\nflavors:\n  odelab:\n    format_version: 1\n    odelab_version: "0\.1\.0"\n    weights:\n      data: weights\.bin\n/);
  t.regex(text, /odd: "yes"/);
  t.deepEqual(parseYaml(text, 'MLmodel'), map);
  t.deepEqual(parseYaml("a: 'it''s'\nb:\n  c: plain\n", 'MLmodel'), { a: "it's", b: { c: 'plain' } });
  t.throws(() => parseYaml('a:\n  b: 1\n c: 2\n', 'MLmodel'), { message: /MLmodel line 3: inconsistent indentation/ });
  t.throws(() => parseFlavor('flavors:\n  python_function:\n    loader_module: x\n', 'MLmodel'), { message: /no 'odelab' flavor \(flavors: python_function\)/ });
  const newer = formatYaml({ flavors: { odelab: { format_version: 99, model: 'mlp', system: 'spiral', config: 'c', weights: { manifest: 'm', data: 'd' } } } });
  t.throws(() => parseFlavor(newer, 'MLmodel'), { message: /model format version 99; this odelab reads versions 1 to 1/ });
});

test('config.json resolves again to the same configuration, non-finite numbers included', async (t) => {
  for (const file of ['experiments/spiral.ts', 'test/fixtures/experiments/pendulum-tiny.ts', 'test/fixtures/experiments/with-plugin.ts']) {
    const registry = createRegistry();
    const loaded = await loadExperiment(file, registry);
    const config = buildModelConfig({ loaded, runId: 'r1', backend: 'cpu', training: { status: 'KILLED', steps: 3 }, cwd: process.cwd() });
    const back = parseModelConfig(stringifyConfig(config), 'config.json');
    t.deepEqual(back, config, file);
    t.is(back.source.file, file);
    t.deepEqual(back.experiment, experimentSpecOf(loaded.resolved));
    t.deepEqual(flattenConfig(resolveExperiment(back.experiment, registry)), back.params, file);
    if (file.includes('with-plugin')) {
      t.deepEqual(back.source.plugins.map((p) => [p.declared, p.path]), [['../my-physics.ts', 'test/fixtures/my-physics.ts']]);
    }
  }
  const config = { experiment: { integrator: { name: 'dopri5', atol: [1e-6, Infinity], x: -Infinity, y: NaN } }, source: { file: 'x.ts', plugins: [] }, run: { run_id: 'r', backend: 'cpu', status: 'FINISHED' as const, steps: 1 }, params: {} };
  const text = stringifyConfig(config);
  t.regex(text, /\{\s*"\$float": "Infinity"\s*\}/);
  const read = parseModelConfig(text, 'config.json').experiment.integrator as Record<string, unknown>;
  t.deepEqual(read.atol, [1e-6, Infinity]);
  t.is(read.x, -Infinity);
  t.true(Number.isNaN(read.y));
  t.throws(() => parseModelConfig('{"experiment": {}, "source": {"file": 1}}', 'config.json'), { message: /config\.json: source\.file must be a string/ });
});

test('logModel writes the four files, MLmodel last, and skips non-finite weights with a tag', async (t) => {
  const registry = createRegistry();
  const loaded = await loadExperiment('test/fixtures/experiments/tiny.ts', registry);
  const written: string[] = [];
  const tags: Record<string, string> = {};
  const sink = { logArtifact: async (path: string) => void written.push(path), setTags: async (x: Record<string, string>) => void Object.assign(tags, x) };
  const input = { loaded, runId: 'abc', backend: 'cpu', training: { status: 'FINISHED' as const, steps: 12 }, cwd: process.cwd(), weights: { w: { shape: [1], values: [1] } } };
  t.deepEqual(await logModel(sink, input), { logged: true });
  t.deepEqual(written, ['model/weights.bin', 'model/weights.json', 'model/config.json', 'model/MLmodel']);
  const history = JSON.parse(tags['mlflow.log-model.history']!) as { run_id: string; flavors: { odelab: { model: string } } }[];
  t.is(history[0]!.run_id, 'abc');
  t.is(history[0]!.flavors.odelab.model, 'mlp');
  const mlmodel = parseFlavor(String(modelArtifactFiles(input).files[3]![1]), 'MLmodel');
  t.deepEqual(mlmodel.weights, { manifest: 'weights.json', data: 'weights.bin' });
  written.length = 0;
  const skipped = await logModel(sink, { ...input, training: { status: 'FAILED', steps: 2 }, weights: { w: { shape: [1], values: [NaN] } } });
  t.deepEqual(skipped, { logged: false, reason: "weight 'w' is not finite" });
  t.deepEqual(written, []);
  t.is(tags['odelab.model_skipped'], "weight 'w' is not finite");
});

test('model references: runs:/<id>/<path>, folders, file: URIs; anything else names the problem', (t) => {
  t.deepEqual(parseModelRef('runs:/abc123/model'), { kind: 'run', runId: 'abc123', path: 'model' });
  t.deepEqual(parseModelRef('runs:/abc123/model/'), { kind: 'run', runId: 'abc123', path: 'model' });
  t.deepEqual(parseModelRef('some/dir'), { kind: 'folder', dir: `${process.cwd()}/some/dir` });
  t.deepEqual(parseModelRef('file:///tmp/m'), { kind: 'folder', dir: '/tmp/m' });
  const bad = (ref: string) => t.throws(() => parseModelRef(ref), { instanceOf: ConfigError })!.message;
  t.regex(bad('runs:/'), /<model> 'runs:\/': no run id; expected runs:\/<run_id>\/<artifact_path>/);
  t.regex(bad('runs:/abc'), /no artifact path after the run id/);
  t.regex(bad('runs:/abc/../x'), /'\.\.' is not allowed/);
  t.regex(bad('runs:abc/model'), /a run URI starts with 'runs:\/'/);
  t.regex(bad('models:/m/1'), /'models:' URIs are not supported/);
  t.regex(bad('s3://bucket/model'), /'s3:' URIs are not supported/);
});
