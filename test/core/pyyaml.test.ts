// meta.yaml and MLmodel files are read by MLflow with PyYAML (YAML 1.1): every
// string odelab writes must come back from PyYAML as the same string.
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { formatYaml, parseYaml } from '../../core/model-io/mlmodel-yaml.ts';
import { formatFlatYaml, parseFlatYaml } from '../../core/track/file-store-yaml.ts';

const TRICKY = [
  'yes', 'no', 'on', 'off', 'y', 'n', 'Y', 'true', 'False', '1e5', '1.0e+5', 'null', '~', '0x10', '0o17', '017', '0b101',
  '1_000', '1:20', '.5', '.inf', '-.Inf', '.NaN', '2026-12-05', '2001-12-14 21:59:43.10 -5', '<<', '=',
  'a: b # c', 'x #y', 'ends:', '', ' lead', 'trail ', "it's", '"quoted"', '- x', '? x', '-', '@x', '%x', '!x', '&x', '*x',
  '[a]', '{a}', '|', '>', '---', '...', 'héllo wörld ✓ 😀 日本', 'two\nlines', 'a\n\nb\n', '\nlead', 'tab\there', 'cr\r\nlf',
  'bell\x07', 'x'.repeat(300), `${'long words '.repeat(30)}end`, '0.1.0', 'plain text',
];

/** What PyYAML's safe_load makes of `text`, as JSON; undefined when python3 or PyYAML is missing. */
function pyyamlLoad(text: string): unknown {
  const script = 'import json, sys, yaml\nprint(json.dumps(yaml.safe_load(sys.stdin.buffer.read().decode("utf-8")), default=repr))';
  const r = spawnSync('/usr/bin/python3', ['-c', script], { input: text, encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    if (r.stderr?.includes('Error') && !r.stderr.includes("No module named 'yaml'")) throw new Error(r.stderr);
    return undefined;
  }
  return JSON.parse(r.stdout) as unknown;
}

function readBack(t: ExecutionContext, text: string): unknown {
  const py = pyyamlLoad(text);
  if (py !== undefined) return py;
  t.log('PyYAML is not available (/usr/bin/python3 -c "import yaml" fails): checked with the yaml package in YAML 1.1 mode');
  return parse(text, { version: '1.1' }) as unknown;
}

const keyed = (values: string[]) => Object.fromEntries(values.map((v, i) => [`k${String(i).padStart(3, '0')}`, v]));

test('meta.yaml: tricky strings come back from PyYAML unchanged, numbers stay numbers', (t) => {
  const data = { ...keyed(TRICKY), run_name: 'yes', start_time: 1765000000000, status: 3, end_time: null, tags: [] };
  const text = formatFlatYaml(data);
  t.is(text.split('\n').length, Object.keys(data).length + 1, 'one line per key, nothing folded');
  t.regex(text, /^run_name: 'yes'$/m);
  t.regex(text, /^start_time: 1765000000000$/m);
  t.deepEqual(readBack(t, text), data);
  t.deepEqual(parseFlatYaml(text), data);
});

test('MLmodel: tricky strings come back from PyYAML unchanged inside nested mappings', (t) => {
  const map = { artifact_path: 'model', flavors: { odelab: { format_version: 1, names: keyed(TRICKY) } }, run_id: '0abc' };
  const text = formatYaml(map);
  t.deepEqual(readBack(t, text), map);
  t.deepEqual(parseYaml(text, 'MLmodel'), map);
});

test('characters PyYAML cannot read back are refused when writing, not written wrong', (t) => {
  for (const c of ['\u2028', '\x85', '\x7f', '\uffff']) {
    t.throws(() => formatFlatYaml({ run_name: `a${c}b` }), { message: /^meta\.yaml cannot hold U\+[0-9A-F]{4} \(in 'run_name'\): PyYAML would not read it back$/ });
  }
  t.throws(() => formatFlatYaml({ x: 1.5 }), { message: /integers only/ });
});

test('the readers take what PyYAML writes and refuse what their files cannot hold', (t) => {
  // As PyYAML dumps a folded long name, a double-quoted escape and an unquoted date.
  const meta = "a: 'it''s\n  folded'\nb: \"tab\\there\\x07\"\nc: 2026-12-05\nd: yes\n";
  t.deepEqual(parseFlatYaml(meta), { a: "it's folded", b: 'tab\there\x07', c: '2026-12-05', d: true });
  t.throws(() => parseFlatYaml('a: [1]\n', 'x/meta.yaml'), { message: /x\/meta\.yaml: 'a' is not a string/ });
  t.throws(() => parseFlatYaml('a: b\nc: "open\n', 'x/meta.yaml'), { message: /x\/meta\.yaml: cannot read line 3: missing closing "quote/ });
  t.throws(() => parseYaml('a:\n  b: [1, 2]\n', 'MLmodel'), { message: /MLmodel: a\.b must be a string, a number or a mapping/ });
  t.throws(() => parseYaml('a: 1\na: 2\n', 'MLmodel'), { message: /MLmodel line 2: .*unique/i });
});
