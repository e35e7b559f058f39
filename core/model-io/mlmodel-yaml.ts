/**
 * The YAML of MLmodel files: nested mappings of strings and integers, keys
 * sorted and two-space indents as PyYAML's safe_dump writes them, so MLflow
 * reads them. Strings that YAML would read as something else (numbers,
 * booleans, dates, anything with punctuation) are double-quoted, which is
 * JSON string syntax. The reader takes that subset, plus single-quoted
 * strings as PyYAML writes them; anything else is a ConfigError naming the line.
 */
import { ConfigError } from '../errors.ts';

export interface YamlMap {
  [key: string]: string | number | YamlMap;
}

const PLAIN = /^[A-Za-z_][\w./-]*$/;
const KEYWORD = /^(?:y|n|yes|no|true|false|on|off|null)$/i;
const KEY = /^[A-Za-z_][\w.-]*$/;

function scalar(v: string | number): string {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`MLmodel YAML holds integers only, got ${v}`);
    return String(v);
  }
  return PLAIN.test(v) && !KEYWORD.test(v) ? v : JSON.stringify(v);
}

/** Render `map` as block YAML, keys sorted at every level. */
export function formatYaml(map: YamlMap, indent = ''): string {
  return Object.keys(map)
    .sort()
    .map((k) => {
      if (!KEY.test(k)) throw new Error(`MLmodel YAML key '${k}' is not a plain identifier`);
      const v = map[k]!;
      return typeof v === 'object' ? `${indent}${k}:\n${formatYaml(v, `${indent}  `)}` : `${indent}${k}: ${scalar(v)}\n`;
    })
    .join('');
}

/**
 * Read the subset formatYaml writes.
 * @param where the file's name in messages.
 */
export function parseYaml(text: string, where: string): YamlMap {
  const root: YamlMap = {};
  const stack: { indent: number; map: YamlMap }[] = [{ indent: 0, map: root }];
  let opened: YamlMap | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const fail = (why: string): never => {
      throw new ConfigError(where, `${where} line ${i + 1}: ${why}: ${JSON.stringify(raw)}`);
    };
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
    const indent = raw.length - raw.trimStart().length;
    const m = /^([A-Za-z_][\w.-]*):(?: (.*))?$/.exec(raw.slice(indent));
    if (!m) fail('expected `key: value` or `key:`');
    if (opened) {
      if (indent <= stack.at(-1)!.indent) fail('expected an indented mapping');
      stack.push({ indent, map: opened });
      opened = undefined;
    }
    while (indent < stack.at(-1)!.indent) stack.pop();
    if (indent !== stack.at(-1)!.indent) fail('inconsistent indentation');
    const [, key, value] = m!;
    const map = stack.at(-1)!.map;
    if (key! in map) fail(`duplicate key '${key}'`);
    if (value === undefined || value.trim() === '') {
      opened = map[key!] = {};
    } else {
      map[key!] = parseScalar(value.trim(), fail);
    }
  });
  return root;
}

function parseScalar(v: string, fail: (why: string) => never): string | number {
  if (v.startsWith('"')) {
    try {
      const s = JSON.parse(v) as unknown;
      if (typeof s === 'string') return s;
    } catch {
      // reported below
    }
    return fail('malformed double-quoted string');
  }
  if (v.startsWith("'")) {
    if (!/^'(?:[^']|'')*'$/.test(v)) fail('malformed single-quoted string');
    return v.slice(1, -1).replace(/''/g, "'");
  }
  if (/^-?\d+$/.test(v)) return Number(v);
  if (/^[[{&*!|>%@`]/.test(v)) fail('flow collections, anchors and block scalars are not supported');
  return v;
}
