/**
 * A small typed schema language for options and experiment files.
 *
 * Every schema parses an unknown value at a named path and either returns the
 * typed value (defaults filled in) or throws a {@link ConfigError} whose
 * message names the path and what was expected, e.g.
 * `train.lr must be a positive number, got -1`. Objects are strict: unknown
 * keys are rejected with the closest known key suggested. Schemas also
 * describe themselves, which is how `odelab plugins` lists options.
 */
import { ConfigError } from './errors.ts';

/** What a schema says about itself (used for listings and docs). */
export interface SchemaInfo {
  type: string;
  expected: string;
  description?: string;
  default?: unknown;
  optional?: boolean;
  fields?: Record<string, SchemaInfo>;
  variants?: Record<string, SchemaInfo>;
  items?: SchemaInfo;
}

/** The value type a schema produces. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

interface Meta<T> {
  description?: string;
  hasDefault?: boolean;
  defaultValue?: T;
  optional?: boolean;
}

/** Base of all schemas: handles missing values, defaults and descriptions. */
export abstract class Schema<T> {
  /** Human phrase for the accepted values, used in error messages. */
  abstract readonly expected: string;

  /**
   * The same phrase for many values, as an array's items ("an array of
   * positive numbers"): the noun made plural, not the phrase's last word.
   */
  get expectedPlural(): string {
    return `values each ${this.expected}`;
  }
  protected meta: Meta<T> = {};

  protected abstract check(value: unknown, path: string): T;
  protected abstract get typeName(): string;

  /** Parse `value` found at `path`; throws ConfigError naming the path. */
  parse(value: unknown, path: string): T {
    if (value === undefined) {
      if (this.meta.hasDefault) return structuredClone(this.meta.defaultValue) as T;
      if (this.meta.optional) return undefined as T;
      throw new ConfigError(path, `${path || 'value'} is required: expected ${this.expected}`);
    }
    return this.check(value, path);
  }

  /** A copy with a default used when the value is missing. */
  default(value: T): this {
    return this.with({ hasDefault: true, defaultValue: value });
  }

  /** A copy that accepts a missing value (parsed as undefined). */
  optional(): Schema<T | undefined> {
    return this.with({ optional: true }) as Schema<T | undefined>;
  }

  /** A copy with a one-line description. */
  describe(text: string): this {
    return this.with({ description: text });
  }

  get description(): string | undefined {
    return this.meta.description;
  }

  /** Describe the schema for listings. */
  info(): SchemaInfo {
    const out: SchemaInfo = { type: this.typeName, expected: this.expected };
    if (this.meta.description) out.description = this.meta.description;
    if (this.meta.hasDefault) out.default = this.meta.defaultValue;
    if (this.meta.optional) out.optional = true;
    return out;
  }

  protected fail(path: string, value: unknown): never {
    throw new ConfigError(path, `${path || 'value'} must be ${this.expected}, got ${show(value)}`);
  }

  private with(meta: Meta<T>): this {
    const copy = Object.create(Object.getPrototypeOf(this)) as this;
    Object.assign(copy, this);
    copy.meta = { ...this.meta, ...meta };
    return copy;
  }
}

/** Render a value briefly for an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 60 ? value.slice(0, 57) + '...' : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'function') return 'a function';
  try {
    const s = JSON.stringify(value);
    return s.length > 60 ? s.slice(0, 57) + '...' : s;
  } catch {
    return String(value);
  }
}

export interface NumberOptions {
  min?: number;
  max?: number;
  /** Strictly greater than this. */
  gt?: number;
  /** Strictly less than this. */
  lt?: number;
  integer?: boolean;
}

class NumberSchema extends Schema<number> {
  constructor(private readonly o: NumberOptions) {
    super();
  }
  protected get typeName() {
    return this.o.integer ? 'integer' : 'number';
  }
  get expected(): string {
    const noun = this.o.integer ? 'integer' : 'number';
    const phrase = this.phrase(noun);
    return `${/^[aeiou]/.test(phrase) ? 'an' : 'a'} ${phrase}`;
  }
  override get expectedPlural(): string {
    return this.phrase(this.o.integer ? 'integers' : 'numbers');
  }
  /** `positive number`, `number >= 0 and < 1`, … (no article). */
  private phrase(noun: string): string {
    const { min, max, gt, lt, integer } = this.o;
    if (gt === 0 && max === undefined && lt === undefined) return `positive ${noun}`;
    if (min === 1 && integer && max === undefined && lt === undefined) return `positive ${noun}`;
    if (min === 0 && max === undefined && lt === undefined) return `non-negative ${noun}`;
    const parts: string[] = [];
    if (min !== undefined) parts.push(`>= ${min}`);
    if (gt !== undefined) parts.push(`> ${gt}`);
    if (max !== undefined) parts.push(`<= ${max}`);
    if (lt !== undefined) parts.push(`< ${lt}`);
    return parts.length ? `${noun} ${parts.join(' and ')}` : `finite ${noun}`;
  }
  protected check(value: unknown, path: string): number {
    const { min, max, gt, lt, integer } = this.o;
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(path, value);
    if (integer && !Number.isInteger(value)) this.fail(path, value);
    if (min !== undefined && value < min) this.fail(path, value);
    if (max !== undefined && value > max) this.fail(path, value);
    if (gt !== undefined && !(value > gt)) this.fail(path, value);
    if (lt !== undefined && !(value < lt)) this.fail(path, value);
    return value;
  }
}

class StringSchema extends Schema<string> {
  readonly expected = 'a non-empty string';
  override get expectedPlural(): string {
    return 'non-empty strings';
  }
  protected get typeName() {
    return 'string';
  }
  protected check(value: unknown, path: string): string {
    if (typeof value !== 'string' || value.length === 0) this.fail(path, value);
    return value;
  }
}

class EnumSchema<T extends string> extends Schema<T> {
  constructor(private readonly values: readonly T[]) {
    super();
  }
  protected get typeName() {
    return 'enum';
  }
  get expected(): string {
    return `one of ${this.values.map((v) => `'${v}'`).join(', ')}`;
  }
  protected check(value: unknown, path: string): T {
    if (typeof value !== 'string' || !this.values.includes(value as T)) this.fail(path, value);
    return value as T;
  }
}

class BooleanSchema extends Schema<boolean> {
  readonly expected = 'true or false';
  override get expectedPlural(): string {
    return 'booleans';
  }
  protected get typeName() {
    return 'boolean';
  }
  protected check(value: unknown, path: string): boolean {
    if (typeof value !== 'boolean') this.fail(path, value);
    return value;
  }
}

class UnknownSchema extends Schema<unknown> {
  readonly expected = 'any value';
  override get expectedPlural(): string {
    return 'any values';
  }
  protected get typeName() {
    return 'unknown';
  }
  protected check(value: unknown): unknown {
    return value;
  }
}

export interface ArrayOptions {
  minLength?: number;
  maxLength?: number;
}

class ArraySchema<T> extends Schema<T[]> {
  constructor(
    private readonly item: Schema<T>,
    private readonly o: ArrayOptions,
  ) {
    super();
  }
  protected get typeName() {
    return 'array';
  }
  get expected(): string {
    return this.phrase('array');
  }
  override get expectedPlural(): string {
    return this.phrase('arrays');
  }
  /** `an array of length 2 of positive numbers`, `non-empty arrays of …` (article only in the singular). */
  private phrase(noun: 'array' | 'arrays'): string {
    const { minLength: lo, maxLength: hi } = this.o;
    const len =
      lo !== undefined && lo === hi
        ? ` of length ${lo}`
        : lo !== undefined && hi !== undefined
          ? ` of length ${lo} to ${hi}`
          : lo
            ? ` of at least ${lo}`
            : hi !== undefined
              ? ` of at most ${hi}`
              : '';
    const items = this.item.expectedPlural;
    const singular = noun === 'array';
    if (lo === 1 && hi === undefined) return `${singular ? 'a ' : ''}non-empty ${noun} of ${items}`;
    return `${singular ? 'an ' : ''}${noun}${len} of ${items}`;
  }
  protected check(value: unknown, path: string): T[] {
    const { minLength, maxLength } = this.o;
    if (!Array.isArray(value)) this.fail(path, value);
    if (minLength !== undefined && value.length < minLength) this.fail(path, value);
    if (maxLength !== undefined && value.length > maxLength) this.fail(path, value);
    return value.map((v, i) => this.item.parse(v, `${path}[${i}]`));
  }
  override info(): SchemaInfo {
    return { ...super.info(), items: this.item.info() };
  }
}

/** A shape: field name to schema. */
export type Shape = Record<string, Schema<unknown>>;
/** The value type of an object schema with this shape. */
export type InferShape<S extends Shape> = { [K in keyof S]: Infer<S[K]> };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reject keys not in `known`, suggesting the closest one. */
export function rejectUnknownKeys(value: Record<string, unknown>, known: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const where = path ? `${path}.${key}` : key;
    const near = closest(key, known);
    const hint = near ? `; did you mean '${near}'?` : '';
    const list = known.length ? `known keys: ${known.join(', ')}` : 'no options are accepted here';
    throw new ConfigError(where, `${where} is not a known option (${list})${hint}`);
  }
}

class ObjectSchema<S extends Shape> extends Schema<InferShape<S>> {
  readonly expected = 'an object';
  override get expectedPlural(): string {
    return 'objects';
  }
  constructor(readonly shape: S) {
    super();
  }
  protected get typeName() {
    return 'object';
  }
  protected check(value: unknown, path: string): InferShape<S> {
    if (!isPlainObject(value)) this.fail(path, value);
    rejectUnknownKeys(value, Object.keys(this.shape), path);
    const out: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(this.shape)) {
      const v = schema.parse(value[key], path ? `${path}.${key}` : key);
      if (v !== undefined) out[key] = v;
    }
    return out as InferShape<S>;
  }
  override info(): SchemaInfo {
    const fields: Record<string, SchemaInfo> = {};
    for (const [k, v] of Object.entries(this.shape)) fields[k] = v.info();
    return { ...super.info(), fields };
  }
}

class RecordSchema<T> extends Schema<Record<string, T>> {
  readonly expected = 'an object';
  override get expectedPlural(): string {
    return 'objects';
  }
  constructor(private readonly value: Schema<T>) {
    super();
  }
  protected get typeName() {
    return 'record';
  }
  protected check(value: unknown, path: string): Record<string, T> {
    if (!isPlainObject(value)) this.fail(path, value);
    const out: Record<string, T> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.value.parse(v, path ? `${path}.${k}` : k);
    return out;
  }
}

type TaggedValue<K extends string, V extends Record<string, ObjectSchema<Shape>>> = {
  [N in keyof V & string]: { [P in K]: N } & Infer<V[N]>;
}[keyof V & string];

/** An object whose `tag` field (e.g. `name`) selects which shape the rest must have. */
class TaggedSchema<K extends string, V extends Record<string, ObjectSchema<Shape>>> extends Schema<TaggedValue<K, V>> {
  constructor(
    private readonly tag: K,
    private readonly variants: V,
  ) {
    super();
  }
  protected get typeName() {
    return 'tagged';
  }
  get expected(): string {
    return `an ${this.expectedPlural.replace(/^objects/, 'object')}`;
  }
  override get expectedPlural(): string {
    return `objects with ${this.tag} one of ${Object.keys(this.variants)
      .map((n) => `'${n}'`)
      .join(', ')}`;
  }
  protected check(value: unknown, path: string): TaggedValue<K, V> {
    if (!isPlainObject(value)) this.fail(path, value);
    const name = value[this.tag];
    const tagPath = path ? `${path}.${this.tag}` : this.tag;
    const variant = typeof name === 'string' ? this.variants[name] : undefined;
    if (!variant) {
      const list = Object.keys(this.variants).map((n) => `'${n}'`).join(', ');
      throw new ConfigError(tagPath, `${tagPath} must be one of ${list}, got ${show(name)}`);
    }
    const { [this.tag]: _tag, ...rest } = value;
    return { [this.tag]: name, ...variant.parse(rest, path) } as TaggedValue<K, V>;
  }
  override info(): SchemaInfo {
    const variants: Record<string, SchemaInfo> = {};
    for (const [k, v] of Object.entries(this.variants)) variants[k] = v.info();
    return { ...super.info(), variants };
  }
}

class UnionSchema<T> extends Schema<T> {
  constructor(private readonly options: Schema<T>[]) {
    super();
  }
  protected get typeName() {
    return 'union';
  }
  get expected(): string {
    return this.options.map((o) => o.expected).join(' or ');
  }
  override get expectedPlural(): string {
    return this.options.map((o) => o.expectedPlural).join(' or ');
  }
  protected check(value: unknown, path: string): T {
    for (const o of this.options) {
      try {
        return o.parse(value, path);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
      }
    }
    this.fail(path, value);
  }
}

/** Schema constructors. */
export const s = {
  number: (o: NumberOptions = {}) => new NumberSchema(o),
  integer: (o: Omit<NumberOptions, 'integer'> = {}) => new NumberSchema({ ...o, integer: true }),
  string: () => new StringSchema(),
  enum: <T extends string>(values: readonly T[]) => new EnumSchema<T>(values),
  boolean: () => new BooleanSchema(),
  unknown: () => new UnknownSchema(),
  array: <T>(item: Schema<T>, o: ArrayOptions = {}) => new ArraySchema<T>(item, o),
  object: <S extends Shape>(shape: S) => new ObjectSchema<S>(shape),
  record: <T>(value: Schema<T>) => new RecordSchema<T>(value),
  tagged: <K extends string, V extends Record<string, ObjectSchema<Shape>>>(tag: K, variants: V) =>
    new TaggedSchema<K, V>(tag, variants),
  union: <T>(...options: Schema<T>[]) => new UnionSchema<T>(options),
};

export type { ObjectSchema };

/** The known key closest to `key` by edit distance, if close enough to be a likely typo. */
export function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
