/**
 * `--set-file FILE`: overrides from a JSON object `{ "train.lr": 0.003,
 * "model.hidden": [64] }`, the format `odelab sweep` writes for its best
 * trial. They apply before any `--set`, so a `--set` on the command line
 * still wins. The object's keys apply in their order, as `--set`s do.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.ts';
import { parseOverride } from './overrides.ts';

export function readSetFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('--set-file', `--set-file: cannot read ${path}: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ConfigError('--set-file', `--set-file: ${path} is not JSON: ${(e as Error).message}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError('--set-file', `--set-file: ${path} must hold a JSON object of config path → value, e.g. {"train.lr": 0.003}`);
  }
  return Object.entries(data).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
}

/**
 * The JSON object of a set file for `--set` overrides, such that
 * `readSetFile` gives back overrides with the same effect. A path set twice
 * keeps its last value at its last position: an override of `a` between two
 * of `a.b` must still come before the second one.
 */
export function setFileObject(overrides: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const arg of overrides) {
    const { path, value } = parseOverride(arg);
    delete out[path];
    out[path] = value;
  }
  return out;
}
