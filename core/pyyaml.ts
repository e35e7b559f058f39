/**
 * YAML that PyYAML reads back unchanged, through the `yaml` package.
 *
 * MLflow reads its file store's `meta.yaml` and a model's `MLmodel` with
 * PyYAML, which speaks YAML 1.1: `yes`, `on`, `y`, `0x10`, `1:20` or
 * `2026-12-05` unquoted are not strings to it. The `yaml` package in 1.1 mode
 * quotes those; this module adds the few places where PyYAML is stricter
 * than YAML 1.1 as `yaml` implements it.
 */
import { Document, isPair, LineCounter, parseDocument, Scalar, visit, type Tags, type ToStringOptions } from 'yaml';

/**
 * Characters PyYAML refuses raw or reads as line breaks, and that `yaml`
 * leaves raw even in double quotes (it escapes what JSON.stringify escapes).
 */
const UNWRITABLE = /[\x7f-\x9f\u2028\u2029\ufffe\uffff]/;
/** Characters PyYAML reads only as double-quoted escapes: tabs end its plain scalars, controls and lone surrogates are refused. */
const ESCAPE_ONLY = /[^\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
/** Plain scalars PyYAML resolves to tags `yaml` does not know (merge and value keys), which its safe loader cannot build. */
const PYYAML_TAGGED = /^(?:<<|=)$/;

export interface PyYamlStyle {
  /** How strings that need quotes are quoted: 'single' as PyYAML does, 'double' always. Strings with escapes are double-quoted either way. */
  quote: 'single' | 'double';
  /** Strings (values, not keys) that may stay plain; the others are quoted even when YAML would not need it. */
  plain?: RegExp;
}

/**
 * Render `data` as block YAML with sorted keys, as PyYAML's
 * `safe_dump(default_flow_style=False)` would; numbers must be integers.
 * @param what the file's name in errors.
 */
export function stringifyPyYaml(data: object, style: PyYamlStyle, what: string): string {
  // Without the merge tag, which would write the string '<<' as a plain merge key.
  const customTags = (tags: Tags) => tags.filter((t) => (typeof t === 'string' ? t : t.tag) !== 'tag:yaml.org,2002:merge');
  const doc = new Document(data, { version: '1.1', sortMapEntries: true, customTags });
  visit(doc, {
    Scalar(key, node, path) {
      const v = node.value;
      // PyYAML reads a float only with a '.', so 1e+21 would come back a string; these files hold integers only.
      if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new Error(`${what} holds integers only, got ${v}`);
      if (typeof v !== 'string') return;
      if (UNWRITABLE.test(v)) {
        const c = v.match(UNWRITABLE)![0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
        const pair = path.at(-1);
        const name = key === 'value' && isPair(pair) ? `'${String(pair.key)}'` : 'a key';
        throw new Error(`${what} cannot hold U+${c} (in ${name}): PyYAML would not read it back`);
      }
      if (ESCAPE_ONLY.test(v)) node.type = Scalar.QUOTE_DOUBLE;
      else if (PYYAML_TAGGED.test(v) || (key !== 'key' && style.plain && !style.plain.test(v))) {
        node.type = style.quote === 'single' ? Scalar.QUOTE_SINGLE : Scalar.QUOTE_DOUBLE;
      }
    },
  });
  const options: ToStringOptions = {
    lineWidth: 0, // one line per value: no folding
    blockQuote: false, // multi-line strings as escaped double-quoted lines, not `|` blocks
    doubleQuotedMinMultiLineLength: Infinity,
    singleQuote: style.quote === 'single',
  };
  return doc.toString(options);
}

/**
 * Parse one YAML 1.1 document as PyYAML would, except that dates stay strings
 * (neither file format holds a date value, and a hand-edited unquoted one
 * should read as the text it is).
 * @param fail makes the error for a syntax error, given the line and the reason.
 */
export function parsePyYaml(text: string, fail: (line: number, why: string) => Error): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    lineCounter,
    prettyErrors: false,
    customTags: (tags: Tags) => tags.filter((t) => (typeof t === 'string' ? t : t.tag) !== 'tag:yaml.org,2002:timestamp'),
  });
  const error = doc.errors[0];
  if (error) {
    const why = error.message.charAt(0).toLowerCase() + error.message.slice(1);
    throw fail(lineCounter.linePos(error.pos[0]).line, error.code === 'BAD_INDENT' ? `inconsistent indentation (${why})` : why);
  }
  return doc.toJS();
}
