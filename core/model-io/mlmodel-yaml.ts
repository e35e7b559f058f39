/**
 * The YAML of MLmodel files: nested mappings of strings and integers, keys
 * sorted and two-space indents as PyYAML's safe_dump writes them, so MLflow
 * reads them (see ../pyyaml.ts). Strings other than identifier-like words are
 * double-quoted even where YAML would not need it, as odelab has always
 * written them, so a model's MLmodel stays the same across odelab versions.
 * The reader takes any YAML whose values fit YamlMap; anything else is a
 * ConfigError naming the line or the key.
 */
import { ConfigError } from '../errors.ts';
import { parsePyYaml, stringifyPyYaml } from '../pyyaml.ts';

export interface YamlMap {
  [key: string]: string | number | YamlMap;
}

/** Render `map` as block YAML, keys sorted at every level. */
export function formatYaml(map: YamlMap): string {
  return stringifyPyYaml(map, { quote: 'double', plain: /^[A-Za-z_][\w./-]*$/ }, 'MLmodel YAML');
}

/**
 * Read an MLmodel file.
 * @param where the file's name in messages.
 */
export function parseYaml(text: string, where: string): YamlMap {
  const data = parsePyYaml(text, (line, why) => new ConfigError(where, `${where} line ${line}: ${why}`)) ?? {};
  const isMap = (v: unknown): v is object =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Set);
  const check = (map: object, path: string): YamlMap => {
    for (const [k, v] of Object.entries(map)) {
      const at = path ? `${path}.${k}` : k;
      if (isMap(v)) check(v, at);
      else if (typeof v !== 'string' && typeof v !== 'number') {
        throw new ConfigError(where, `${where}: ${at} must be a string, a number or a mapping, got ${JSON.stringify(v) ?? String(v)}`);
      }
    }
    return map as YamlMap;
  };
  if (!isMap(data)) throw new ConfigError(where, `${where} must be a YAML mapping`);
  return check(data, '');
}
