/**
 * `--set path=value` overrides, applied to a copy of the experiment spec
 * before validation (so an override is checked exactly like the file is).
 */
import { ConfigError } from '../errors.ts';

/** Parse the value of one override: JSON when it parses, else a number-looking string as a number, else the string. */
export function parseOverrideValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const n = Number(text);
    return text.trim() !== '' && Number.isFinite(n) ? n : text;
  }
}

/** Split `a.b.c=value` into its path and parsed value. */
export function parseOverride(arg: string): { path: string; value: unknown } {
  const eq = arg.indexOf('=');
  const path = eq > 0 ? arg.slice(0, eq).trim() : '';
  if (!path || !/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/.test(path)) {
    throw new ConfigError('--set', `--set expects path=value with a dotted path like train.lr=0.01, got '${arg}'`);
  }
  return { path, value: parseOverrideValue(arg.slice(eq + 1)) };
}

/** A deep copy of `spec` with the overrides applied in order. */
export function applyOverrides<T extends object>(spec: T, overrides: readonly string[]): T {
  const copy = structuredClone(spec) as Record<string, unknown>;
  for (const arg of overrides) {
    const { path, value } = parseOverride(arg);
    const keys = path.split('.');
    let node: Record<string, unknown> = copy;
    keys.slice(0, -1).forEach((key, i) => {
      const here = keys.slice(0, i + 1).join('.');
      const next = node[key];
      if (next === undefined) node[key] = {};
      else if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        throw new ConfigError(here, `--set ${path}: ${here} is not an object, so it has no field '${keys[i + 1]}'`);
      }
      node = node[key] as Record<string, unknown>;
    });
    node[keys[keys.length - 1]!] = value;
  }
  return copy as T;
}
