/**
 * The text formats of MLflow's file store.
 *
 * A tiny YAML reader and writer for its flat `meta.yaml` files: one `key: scalar` per line, keys sorted, scalars that are
 * strings, integers, null or the empty list `[]`. Output follows PyYAML's
 * `safe_dump(default_flow_style=False)` closely enough that MLflow reads it
 * back with the same types (strings that would resolve to a number, boolean
 * or null are quoted, e.g. `experiment_id: '0'`). The reader also accepts
 * what PyYAML writes for such files: plain, single- and double-quoted
 * scalars, including long values folded onto indented continuation lines.
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

export type FlatYamlValue = string | number | boolean | null | never[];
export type FlatYaml = Record<string, FlatYamlValue>;

/** PyYAML's implicit resolvers (YAML 1.1): plain scalars that would not load as strings. */
const NON_STRING = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:~|null|Null|NULL)$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/,
  /^(?:<<|=)$/,
  /^[yYnN]$/, // not booleans to PyYAML, but to other YAML 1.1 readers: quoted to be safe
];

function needsQuotes(s: string): boolean {
  if (s === '' || s !== s.trim()) return true;
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(s)) return true;
  if (s.includes(': ') || s.includes(' #') || s.endsWith(':')) return true;
  if (/[^\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd]/.test(s)) return true;
  return NON_STRING.some((re) => re.test(s));
}

function formatScalar(v: FlatYamlValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`flat YAML holds only integers, got ${v}`);
    return String(v);
  }
  if (!needsQuotes(v)) return v;
  if (/^[\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd]*$/.test(v)) return `'${v.replace(/'/g, "''")}'`;
  const escaped = v.replace(/[\\"\x00-\x1f\x7f]/g, (c) => {
    const named: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\t': '\\t', '\r': '\\r' };
    return named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
  return `"${escaped}"`;
}

/** Render a flat mapping as YAML with sorted keys, as PyYAML's safe_dump does. */
export function formatFlatYaml(data: FlatYaml): string {
  return Object.keys(data)
    .sort()
    .map((k) => `${k}: ${formatScalar(data[k]!)}\n`)
    .join('');
}

/**
 * Join continuation lines the way YAML folds flow scalars: a line break is a
 * space, each empty line a newline; in double quotes a trailing `\` escapes
 * the break (joined with nothing).
 */
function fold(lines: string[]): string {
  const double = lines[0]!.trimStart().startsWith('"');
  let out = '';
  let breaks = 0;
  lines.forEach((line, i) => {
    const t = line.trim();
    if (t === '') {
      breaks++;
      return;
    }
    if (i > 0 && double && /(?:^|[^\\])(?:\\\\)*\\$/.test(out)) out = out.slice(0, -1);
    else if (i > 0) out += breaks > 0 ? '\n'.repeat(breaks) : ' ';
    breaks = 0;
    out += t;
  });
  return out;
}

function parseDoubleQuoted(body: string, file: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e: string) => {
    if (e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
    const named: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '"': '"', '\\': '\\', '/': '/', ' ': ' ', e: '\x1b', a: '\x07', b: '\b', f: '\f', v: '\v', N: '\x85', _: '\xa0' };
    const c = named[e];
    if (c === undefined) throw new Error(`${file}: bad escape \\${e} in a double-quoted scalar`);
    return c;
  });
}

function parseScalar(raw: string, file: string): FlatYamlValue {
  if (raw.startsWith("'")) {
    if (!raw.endsWith("'") || raw.length < 2) throw new Error(`${file}: unterminated single-quoted scalar`);
    return raw.slice(1, -1).replace(/''/g, "'");
  }
  if (raw.startsWith('"')) {
    if (!raw.endsWith('"') || raw.length < 2) throw new Error(`${file}: unterminated double-quoted scalar`);
    return parseDoubleQuoted(raw.slice(1, -1), file);
  }
  if (raw === '' || /^(?:~|null|Null|NULL)$/.test(raw)) return null;
  if (raw === '[]') return [];
  if (/^(?:true|True|TRUE)$/.test(raw)) return true;
  if (/^(?:false|False|FALSE)$/.test(raw)) return false;
  if (/^[-+]?(?:0|[1-9][0-9_]*)$/.test(raw)) return Number(raw.replace(/_/g, ''));
  return raw;
}

/** Parse a flat `key: scalar` YAML mapping (the subset MLflow's meta.yaml files use). */
export function parseFlatYaml(text: string, file = 'meta.yaml'): FlatYaml {
  const out: FlatYaml = {};
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    i++;
    if (line.trim() === '' || line.trimStart().startsWith('#') || line === '---' || line === '...') continue;
    const m = /^([A-Za-z_][\w.-]*):(?: (.*))?$/.exec(line);
    if (!m) throw new Error(`${file}: cannot read line ${i}: ${JSON.stringify(line)}`);
    const parts = [m[2] ?? ''];
    while (i < lines.length && (lines[i] === '' || /^\s/.test(lines[i]!))) {
      // An empty line followed by a key line ends the value; otherwise it is folded in.
      if (lines[i] === '' && !(i + 1 < lines.length && /^\s/.test(lines[i + 1]!))) break;
      parts.push(lines[i]!);
      i++;
    }
    out[m[1]!] = parseScalar(fold(parts).trim(), file);
  }
  return out;
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
