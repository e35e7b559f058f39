/**
 * model/config.json: the resolved experiment in the shape of an experiment
 * file, where it came from (file, plugin modules), the run, and the params.
 * Written by the runner, read by `odelab eval` to rebuild system and model.
 */
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { LoadedExperiment } from '../config/load.ts';
import { flattenConfig, type ResolvedExperiment } from '../config/resolve.ts';
import { show } from '../schema.ts';
import { ConfigError } from '../errors.ts';
import type { ModelConfigFile, PluginModuleRecord } from './format.ts';

export interface ModelConfigInput {
  loaded: Pick<LoadedExperiment, 'file' | 'resolved'>;
  runId: string;
  backend: string;
  training: { status: ModelConfigFile['run']['status']; steps: number };
  /** The run's working directory (paths inside it are written relative to it). */
  cwd: string;
}

/** `path` relative to `cwd` (with `/`) when inside it, else absolute. */
export function relativeWhereSensible(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : path;
}

/** The resolved experiment as plain data in experiment-file shape (resolves again to the same config). */
export function experimentSpecOf(r: ResolvedExperiment): Record<string, unknown> {
  const section = (s: { name: string; options: Record<string, unknown> }) => ({ name: s.name, ...s.options });
  return {
    name: r.name,
    ...(r.description !== undefined ? { description: r.description } : {}),
    ...(r.next !== undefined ? { next: r.next } : {}),
    seed: r.seed,
    plugins: [...r.plugins],
    system: section(r.system),
    model: section(r.model),
    integrator: section(r.integrator),
    gradient: section(r.gradient),
    data: r.data,
    train: r.train,
    eval: r.eval,
  };
}

export function buildModelConfig(input: ModelConfigInput): ModelConfigFile {
  const { file, resolved } = input.loaded;
  const plugins: PluginModuleRecord[] = resolved.plugins.map((declared) => {
    const absolute = isAbsolute(declared) ? declared : resolve(dirname(file), declared);
    return { declared, path: relativeWhereSensible(absolute, input.cwd), absolute };
  });
  return {
    experiment: experimentSpecOf(resolved),
    source: { file: relativeWhereSensible(file, input.cwd), plugins },
    run: { run_id: input.runId, backend: input.backend, status: input.training.status, steps: input.training.steps },
    params: flattenConfig(resolved),
  };
}

/** JSON with non-finite numbers as `{ "$float": "Infinity" }` (see format.ts). */
export function stringifyConfig(config: ModelConfigFile): string {
  return JSON.stringify(config, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $float: String(v) } : v), 2);
}

const FLOATS: Record<string, number> = { Infinity: Infinity, '-Infinity': -Infinity, NaN: NaN };

/**
 * Parse and check config.json.
 * @param where the file's name in messages.
 */
export function parseModelConfig(text: string, where: string): ModelConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text, (_k, v: unknown) => {
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        const keys = Object.keys(v);
        const tag = (v as { $float?: unknown }).$float;
        if (keys.length === 1 && keys[0] === '$float' && typeof tag === 'string' && tag in FLOATS) return FLOATS[tag];
      }
      return v;
    });
  } catch (e) {
    throw new ConfigError(where, `${where} is not valid JSON: ${(e as Error).message}`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const need = (ok: boolean, path: string, expected: string, got: unknown) => {
    if (!ok) throw new ConfigError(`${where}:${path}`, `${where}: ${path} must be ${expected}, got ${show(got)}`);
  };
  need(isObject(raw), '(top level)', 'an object', raw);
  const c = raw as Record<string, unknown>;
  need(isObject(c.experiment), 'experiment', 'an object (the resolved experiment)', c.experiment);
  need(isObject(c.source), 'source', 'an object { file, plugins }', c.source);
  const source = c.source as Record<string, unknown>;
  need(typeof source.file === 'string', 'source.file', 'a string', source.file);
  need(Array.isArray(source.plugins), 'source.plugins', 'an array', source.plugins);
  (source.plugins as unknown[]).forEach((p, i) => {
    const ok = isObject(p) && ['declared', 'path', 'absolute'].every((k) => typeof p[k] === 'string');
    need(ok, `source.plugins[${i}]`, 'an object { declared, path, absolute } of strings', p);
  });
  need(isObject(c.run), 'run', 'an object { run_id, backend, status, steps }', c.run);
  need(isObject(c.params) && Object.values(c.params).every((v) => typeof v === 'string'), 'params', 'an object of strings', c.params);
  return c as unknown as ModelConfigFile;
}
