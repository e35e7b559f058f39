/**
 * Reading a model folder (layout in format.ts) into checked parts: MLmodel's
 * odelab flavor, config.json, the weights manifest and the weight bytes.
 * A missing file, a malformed file or a format newer than this reader is a
 * ConfigError naming it; nothing is built here.
 */
import { show } from '../schema.ts';
import { ConfigError } from '../errors.ts';
import { FLAVOR, MODEL_FILES, MODEL_FORMAT_VERSION, type ModelConfigFile, type OdelabFlavor, type WeightEntry } from './format.ts';
import { parseYaml, type YamlMap } from './mlmodel-yaml.ts';
import { parseModelConfig } from './model-config.ts';
import type { ModelSource } from './model-source.ts';
import { parseManifest } from './weights-codec.ts';

export interface StoredModel {
  /** Where it was read from, for messages. */
  where: string;
  flavor: OdelabFlavor;
  config: ModelConfigFile;
  manifest: WeightEntry[];
  /** weights.bin. */
  data: Uint8Array;
}

const ALL = `a model folder holds ${Object.values(MODEL_FILES).join(', ')}`;

/** MLmodel's `flavors.odelab`, checked. */
export function parseFlavor(text: string, where: string): OdelabFlavor {
  const yaml = parseYaml(text, where);
  const flavors = yaml.flavors;
  const flavor = typeof flavors === 'object' ? flavors[FLAVOR] : undefined;
  if (typeof flavor !== 'object') {
    const found = typeof flavors === 'object' ? Object.keys(flavors).join(', ') || 'none' : 'none';
    throw new ConfigError(where, `${where} has no '${FLAVOR}' flavor (flavors: ${found}): not an odelab model`);
  }
  const field = (map: YamlMap, key: string, path: string, type: 'string' | 'number'): string | number => {
    const v = map[key];
    if (typeof v !== type) throw new ConfigError(where, `${where}: flavors.${FLAVOR}.${path} must be a ${type}, got ${show(v)}`);
    return v as string | number;
  };
  const version = field(flavor, 'format_version', 'format_version', 'number') as number;
  if (version > MODEL_FORMAT_VERSION || version < 1) {
    throw new ConfigError(where, `${where}: model format version ${version}; this odelab reads versions 1 to ${MODEL_FORMAT_VERSION} (upgrade odelab)`);
  }
  const weights = flavor.weights;
  if (typeof weights !== 'object') throw new ConfigError(where, `${where}: flavors.${FLAVOR}.weights must be a mapping { manifest, data }`);
  return {
    format_version: version,
    odelab_version: String(flavor.odelab_version ?? 'unknown'),
    model: field(flavor, 'model', 'model', 'string') as string,
    system: field(flavor, 'system', 'system', 'string') as string,
    config: field(flavor, 'config', 'config', 'string') as string,
    weights: {
      manifest: field(weights, 'manifest', 'weights.manifest', 'string') as string,
      data: field(weights, 'data', 'weights.data', 'string') as string,
    },
  };
}

/** Read and check every file of the model folder. */
export async function readModel(source: ModelSource, arg = '<model>'): Promise<StoredModel> {
  const names = new Set(await source.list());
  const where = source.where;
  if (!names.has(MODEL_FILES.mlmodel)) throw new ConfigError(arg, `${arg} '${where}': missing ${MODEL_FILES.mlmodel} (${ALL})`);
  const text = async (name: string) => new TextDecoder().decode(await source.read(name));
  const flavor = parseFlavor(await text(MODEL_FILES.mlmodel), `${where}/${MODEL_FILES.mlmodel}`);
  const missing = [flavor.config, flavor.weights.manifest, flavor.weights.data].filter((n) => !names.has(n));
  if (missing.length) throw new ConfigError(arg, `${arg} '${where}': missing ${missing.join(', ')} (${ALL})`);
  const config = parseModelConfig(await text(flavor.config), `${where}/${flavor.config}`);
  const data = await source.read(flavor.weights.data);
  const manifestAt = `${where}/${flavor.weights.manifest}`;
  let rawManifest: unknown;
  try {
    rawManifest = JSON.parse(await text(flavor.weights.manifest));
  } catch (e) {
    throw new ConfigError(manifestAt, `${manifestAt} is not valid JSON: ${(e as Error).message}`);
  }
  return { where, flavor, config, manifest: parseManifest(rawManifest, data.length, manifestAt), data };
}
