/**
 * A model's weights as a manifest (weights.json) and one binary file
 * (weights.bin, little-endian float32), as tfjs stores them. float32 is what
 * the variables hold, so writing and reading back is bit-exact.
 *
 * Reading validates everything (manifest shape, byte ranges, and that the
 * weights fit the model they are loaded into) and reports a ConfigError
 * naming the entry at fault: a model file is user input.
 */
import { show } from '../schema.ts';
import { ConfigError } from '../errors.ts';
import type { NamedWeights } from '../model.ts';
import type { WeightEntry } from './format.ts';

const BYTES = 4;

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * The manifest and the bytes of `weights`, variables in their key order.
 * @returns entries with their byte ranges, and the little-endian float32 data.
 */
export function encodeWeights(weights: NamedWeights): { manifest: WeightEntry[]; data: Uint8Array } {
  const manifest: WeightEntry[] = [];
  let offset = 0;
  for (const [name, w] of Object.entries(weights)) {
    if (w.values.length !== size(w.shape)) {
      throw new Error(`weight '${name}' has ${w.values.length} values for shape [${w.shape}]`);
    }
    manifest.push({ name, shape: [...w.shape], dtype: 'float32', byteOffset: offset, byteLength: w.values.length * BYTES });
    offset += w.values.length * BYTES;
  }
  const data = new Uint8Array(offset);
  const view = new DataView(data.buffer);
  for (const e of manifest) {
    weights[e.name]!.values.forEach((v, i) => view.setFloat32(e.byteOffset + i * BYTES, v, true));
  }
  return { manifest, data };
}

/** The weights a validated manifest describes in `data`. */
export function decodeWeights(manifest: readonly WeightEntry[], data: Uint8Array): NamedWeights {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: NamedWeights = {};
  for (const e of manifest) {
    const values = Array.from({ length: e.byteLength / BYTES }, (_, i) => view.getFloat32(e.byteOffset + i * BYTES, true));
    out[e.name] = { shape: [...e.shape], values };
  }
  return out;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Check a parsed weights.json against the data's length.
 * @param where the file's name in messages, e.g. `model/weights.json`.
 */
export function parseManifest(raw: unknown, dataLength: number, where: string): WeightEntry[] {
  if (!Array.isArray(raw)) throw new ConfigError(where, `${where} must be an array of { name, shape, dtype, byteOffset, byteLength }, got ${show(raw)}`);
  const seen = new Set<string>();
  return raw.map((e: unknown, i) => {
    const at = `${where}[${i}]`;
    const bad = (field: string, expected: string, got: unknown) =>
      new ConfigError(`${at}.${field}`, `${at}.${field} must be ${expected}, got ${show(got)}`);
    if (typeof e !== 'object' || e === null) throw new ConfigError(at, `${at} must be an object, got ${show(e)}`);
    const { name, shape, dtype, byteOffset, byteLength } = e as Record<string, unknown>;
    if (typeof name !== 'string' || !name) throw bad('name', 'a non-empty string', name);
    if (seen.has(name)) throw bad('name', 'unique', name);
    seen.add(name);
    if (!Array.isArray(shape) || !shape.every(isCount)) throw bad('shape', 'an array of non-negative integers', shape);
    if (dtype !== 'float32') throw bad('dtype', "'float32'", dtype);
    if (!isCount(byteOffset) || byteOffset % BYTES !== 0) throw bad('byteOffset', 'a non-negative multiple of 4', byteOffset);
    if (byteLength !== size(shape) * BYTES) throw bad('byteLength', `${size(shape) * BYTES} (4 bytes for each of the shape's ${size(shape)} values)`, byteLength);
    if (byteOffset + byteLength > dataLength) {
      throw new ConfigError(`${at}.byteOffset`, `${at} ('${name}') reads bytes ${byteOffset}..${byteOffset + byteLength} but weights.bin has ${dataLength} bytes`);
    }
    return { name, shape: shape as number[], dtype, byteOffset, byteLength };
  });
}

/**
 * The manifest must hold exactly the model's variables, with their shapes.
 * @param expected the freshly built model's weights (only names and shapes are read).
 */
export function checkWeightsFit(expected: NamedWeights, manifest: readonly WeightEntry[], where: string, model: string): void {
  const found = new Map(manifest.map((e) => [e.name, e.shape]));
  const problems: string[] = [];
  for (const [name, w] of Object.entries(expected)) {
    const shape = found.get(name);
    if (!shape) problems.push(`'${name}' [${w.shape}] is missing`);
    else if (shape.join() !== w.shape.join()) problems.push(`'${name}' has shape [${shape}], the model's is [${w.shape}]`);
  }
  for (const name of found.keys()) if (!(name in expected)) problems.push(`'${name}' is not a variable of the model`);
  if (problems.length) {
    throw new ConfigError(where, `${where} does not match model '${model}' as configured: ${problems.join('; ')}`);
  }
}

/** The name of the first weight holding NaN or ±Infinity, if any. */
export function nonFiniteWeight(weights: NamedWeights): string | undefined {
  return Object.keys(weights).find((k) => !weights[k]!.values.every(Number.isFinite));
}
