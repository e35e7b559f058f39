/**
 * The text formats of MLflow's file store.
 *
 * Its flat `meta.yaml` files: one `key: scalar` per line, keys sorted, scalars
 * that are strings, integers, booleans, null or the empty list `[]`, written
 * so that MLflow's PyYAML reads back the same types (`experiment_id: '0'`)
 * and read as PyYAML would read them (see ../pyyaml.ts).
 *
 * Which metric, param and tag keys MLflow accepts (they become file paths),
 * and which artifact paths stay inside a run's artifact folder.
 *
 * Metric values as Python's `repr(float)` writes them and `float()` reads them
 * (`nan`, `inf`, `-inf`, `2.0`, `1e-05`), and local paths as the `file://`
 * URIs Python's `pathlib.Path.as_uri` makes.
 */
import { isAbsolute, sep } from 'node:path';
import { TrackingError } from '../errors.ts';
import { parsePyYaml, stringifyPyYaml } from '../pyyaml.ts';

export type FlatYamlValue = string | number | boolean | null | never[];
export type FlatYaml = Record<string, FlatYamlValue>;

/** Render a flat mapping as YAML with sorted keys, as PyYAML's safe_dump does. */
export function formatFlatYaml(data: FlatYaml): string {
  return stringifyPyYaml(data, { quote: 'single' }, 'meta.yaml');
}

/** Parse a flat `key: scalar` YAML mapping (the subset MLflow's meta.yaml files use). */
export function parseFlatYaml(text: string, file = 'meta.yaml'): FlatYaml {
  const data = parsePyYaml(text, (line, why) => new Error(`${file}: cannot read line ${line}: ${why}`)) ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new Error(`${file}: not a mapping`);
  for (const [key, v] of Object.entries(data)) {
    const flat = v === null || ['string', 'number', 'boolean'].includes(typeof v) || (Array.isArray(v) && v.length === 0);
    if (!flat) throw new Error(`${file}: '${key}' is not a string, number, boolean, null or []`);
  }
  return data as FlatYaml;
}

/** Python's repr() of a float, which MLflow writes and `float()` reads back (`nan`, `inf`, `1e-05`, `2.0`). */
export function formatPythonFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const sign = v < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest round-trip digits, as repr() does.
  const [mantissa, e] = Math.abs(v).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exp = Number(e);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  return `${sign}${digits.slice(0, exp + 1).padEnd(exp + 1, '0')}.${digits.slice(exp + 1) || '0'}`;
}

/** Read a float as Python's `float()` does, for the spellings MLflow's files hold. */
export function parsePythonFloat(text: string): number {
  const t = text.trim().toLowerCase();
  if (/^[+-]?nan$/.test(t)) return NaN;
  if (/^\+?inf(inity)?$/.test(t)) return Infinity;
  if (/^-inf(inity)?$/.test(t)) return -Infinity;
  const n = Number(t.replace(/_/g, ''));
  if (t === '' || Number.isNaN(n)) throw new TrackingError(`not a number: '${text}'`);
  return n;
}

/** `file:///abs/path`, quoted as Python's `pathlib.Path.as_uri` does (MLflow's artifact locations). */
export function pathToFileUri(path: string): string {
  const posix = path.split(sep).join('/');
  const quote = (seg: string) =>
    /^[A-Za-z]:$/.test(seg)
      ? seg
      : encodeURIComponent(seg).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `file://${posix.startsWith('/') ? '' : '/'}${posix.split('/').map(quote).join('/')}`;
}

const MAX_KEY_LENGTH = 250;
/** MLflow's `^[/\w.\- :]*$` (Unicode \w); the colon is refused on Windows. */
const KEY_RE = process.platform === 'win32' ? /^[\p{L}\p{N}_/.\- ]*$/u : /^[\p{L}\p{N}_/.\- :]*$/u;

/** Check a metric, param or tag key as MLflow does; keys become file paths. */
export function validateKey(kind: 'metric' | 'param' | 'tag', key: string): void {
  const bad = (why: string) => new TrackingError(`invalid ${kind} name '${key}': ${why}`);
  if (typeof key !== 'string' || key === '') throw bad('a key name must be provided');
  if (!KEY_RE.test(key)) {
    throw bad('names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/)');
  }
  // MLflow: posixpath.normpath(key) must equal key and not start with '..' or '/'.
  const parts = key.split('/');
  if (key.startsWith('/') || key.startsWith('..') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw bad("names are stored as files: no leading '/', no empty, '.' or '..' parts, no leading '..'");
  }
  if (key.length > MAX_KEY_LENGTH) throw bad(`longer than ${MAX_KEY_LENGTH} characters`);
}

/** Check an artifact path: relative to the run's artifact folder, no `..`; returns its parts. */
export function checkArtifactPath(path: string): string[] {
  const bad = (why: string) => new TrackingError(`artifact path '${path}' rejected: ${why}`);
  if (typeof path !== 'string' || path.includes('\0')) throw bad('not a valid path');
  if (path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:/.test(path) || isAbsolute(path)) {
    throw bad("it must be relative to the run's artifact folder, not absolute");
  }
  const parts = path.split(/[\\/]/);
  if (parts.includes('..')) throw bad("'..' segments are not allowed");
  const kept = parts.filter((p) => p !== '' && p !== '.');
  if (kept.length === 0) throw bad('it must name a file');
  return kept;
}
