// Issue 20: a layered core with no folder cycle. Reads every source under
// core/ and plugins/ (and the top-level entry points) with the TypeScript
// parser, keeps the value imports between them, and checks three things:
// no import goes up the layer table below, no two folders import each other
// (directly or round a loop), and no file cycle exists.
//
// Value imports only: `import type`, `export type … from`, and
// `import { type A, type B }` where every specifier is type-only are left out.
// Side-effect imports (`import './x.ts'`), `import('./x.ts')` with a string
// literal, `export { x } from` and `export * from` all count. Only relative
// specifiers matter; packages are not looked at.
// (Note: under tsconfig's verbatimModuleSyntax, tsx/esbuild keep
// `import { type A } from './a.ts'` as `import {} from './a.ts'`, so such a
// line still loads the module at run time; write `import type` instead.)
import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

// The layer table, lowest first: a module may import only from its own row or
// rows above it in this list (lower rank). docs/architecture.md shows the same
// table; the two must change together.
// `layer` groups rows for messages; the rank is the row's index, so the order
// inside a layer (ode < nn < physics < the interface files, registry < config,
// track < … < cli) is enforced too. A prefix ending in `/` is a folder, any
// other prefix is one file. A file takes the row of its longest matching prefix.
const LAYERS: readonly { readonly name: string; readonly layer: string; readonly prefixes: readonly string[] }[] = [
  { name: 'leaves', layer: 'leaves', prefixes: ['core/errors.ts', 'core/random.ts', 'core/schema.ts', 'core/pyyaml.ts'] },
  { name: 'tensor', layer: 'tensor', prefixes: ['core/tensor/'] },
  { name: 'ode', layer: 'numerics', prefixes: ['core/ode/'] },
  { name: 'nn', layer: 'numerics', prefixes: ['core/nn/'] },
  { name: 'physics', layer: 'numerics', prefixes: ['core/physics/'] },
  { name: 'interfaces', layer: 'numerics', prefixes: ['core/system.ts', 'core/model.ts', 'core/gradient.ts'] },
  { name: 'registry', layer: 'config', prefixes: ['core/registry/'] },
  { name: 'config', layer: 'config', prefixes: ['core/config/'] },
  { name: 'track', layer: 'application', prefixes: ['core/track/'] },
  { name: 'train', layer: 'application', prefixes: ['core/train/'] },
  { name: 'eval', layer: 'application', prefixes: ['core/eval/'] },
  { name: 'model-io', layer: 'application', prefixes: ['core/model-io/'] },
  { name: 'run', layer: 'application', prefixes: ['core/run/'] },
  { name: 'sweep', layer: 'application', prefixes: ['core/sweep/'] },
  { name: 'queue', layer: 'application', prefixes: ['core/queue/'] },
  { name: 'cli', layer: 'application', prefixes: ['core/cli/'] },
  { name: 'entry', layer: 'entry', prefixes: ['index.ts', 'plugin.ts', 'node.ts'] },
  { name: 'plugins', layer: 'plugins', prefixes: ['plugins/'] },
];

/** The entry points (rank of this row) may import plugins/, which ranks above them. */
const ENTRY_RANK = LAYERS.findIndex((row) => row.name === 'entry');
const PLUGINS_PREFIX = 'plugins/';

/** Top-level files scanned besides core/ and plugins/ (those that exist). */
const ROOT_ENTRIES = ['index.ts', 'plugin.ts', 'node.ts'];
const SOURCE = /\.(ts|mts|mjs)$/;

interface Import {
  /** The imported file, relative to the repo root (posix separators). */
  readonly target: string;
  /** The statement as written, for messages (e.g. `import { odeint } from '../ode/odeint.ts'`). */
  readonly text: string;
}

type Graph = ReadonlyMap<string, readonly Import[]>;

/** The row of a file: its longest matching prefix, or undefined. */
function rankOf(file: string): number | undefined {
  let best: { rank: number; length: number } | undefined;
  LAYERS.forEach((row, rank) => {
    for (const prefix of row.prefixes) {
      const matches = prefix.endsWith('/') ? file.startsWith(prefix) : file === prefix;
      if (matches && (best === undefined || prefix.length > best.length)) best = { rank, length: prefix.length };
    }
  });
  return best?.rank;
}

function rowLabel(rank: number): string {
  const row = LAYERS[rank]!;
  return row.name === row.layer ? row.name : `${row.layer}/${row.name}`;
}

/** `core/<dir>` or `plugins/<dir>` for a file in a folder, else the file itself. */
function folderOf(file: string): string {
  const parts = file.split('/');
  return parts.length >= 3 ? `${parts[0]}/${parts[1]}` : file;
}

/** Tarjan's strongly connected components; returns those with more than one node, or a self-loop. */
function cycles(nodes: Iterable<string>, next: (node: string) => Iterable<string>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  let counter = 0;
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const to of next(node)) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfLoop = component.length === 1 && [...next(node)].includes(node);
      if (component.length > 1 || selfLoop) found.push(component.sort());
    }
  };
  for (const node of [...nodes].sort()) if (!index.has(node)) visit(node);
  return found.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** One shortest cycle through `start` inside `component` (breadth-first), as a node path ending at `start`. */
function cycleThrough(start: string, component: ReadonlySet<string>, next: (node: string) => Iterable<string>): string[] {
  const parent = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    for (const to of [...next(node)].sort()) {
      if (!component.has(to)) continue;
      if (to === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(parent.get(path[0]!)!);
        return [...path, start];
      }
      if (!parent.has(to) && to !== start) {
        parent.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start];
}

/** Every layering violation in an import graph {file → its value imports}. */
function checkArchitecture(graph: Graph): string[] {
  const violations: string[] = [];
  const files = [...graph.keys()].sort();

  // 1. Every core file is in the table; no import goes up it.
  for (const file of files) {
    const from = rankOf(file);
    if (from === undefined) {
      if (file.startsWith('core/')) violations.push(`${file} is in no layer: add it to the table`);
      continue;
    }
    for (const { target, text } of graph.get(file)!) {
      const to = rankOf(target);
      if (to === undefined) {
        // core/ files in no layer are reported once, as importers, above.
        if (!target.startsWith('core/')) violations.push(`import out of the layered tree: ${file} imports ${target} (${text})`);
        continue;
      }
      if (to <= from) continue;
      if (from === ENTRY_RANK && target.startsWith(PLUGINS_PREFIX)) continue;
      violations.push(`upward import: ${file} imports ${target} (${rowLabel(from)} → ${rowLabel(to)})`);
    }
  }

  // 2. No cycle between folders: core/<dir>, plugins/<dir>, or a single root file.
  const folderEdges = new Map<string, Map<string, string>>(); // from → to → one example import
  for (const file of files) {
    const from = folderOf(file);
    if (!folderEdges.has(from)) folderEdges.set(from, new Map());
    for (const { target } of graph.get(file)!) {
      const to = folderOf(target);
      if (to === from) continue;
      const out = folderEdges.get(from)!;
      if (!out.has(to)) out.set(to, `${file} → ${target}`);
    }
  }
  const folderNext = (folder: string): string[] => [...(folderEdges.get(folder)?.keys() ?? [])];
  for (const component of cycles(folderEdges.keys(), folderNext)) {
    const members = new Set(component);
    const edges = component.flatMap((from) =>
      [...folderEdges.get(from)!].filter(([to]) => members.has(to)).map(([to, example]) => `${from} → ${to} (${example})`),
    );
    violations.push(`folder cycle between ${component.join(', ')}:\n    ${edges.join('\n    ')}`);
  }

  // 3. No cycle between files.
  const fileNext = (file: string): string[] => [...new Set((graph.get(file) ?? []).map((i) => i.target))].filter((t) => graph.has(t));
  for (const component of cycles(files, fileNext)) {
    const path = cycleThrough(component[0]!, new Set(component), fileNext);
    const rest = component.length > path.length - 1 ? ` (one of ${component.length} files in a cycle: ${component.join(', ')})` : '';
    violations.push(`file cycle: ${path.join(' → ')}${rest}`);
  }
  return violations;
}

// ---- reading the tree ----

/** 'odelab/plugin' → 'plugin.ts', from package.json's exports. */
const SELF_EXPORTS: ReadonlyMap<string, string> = (() => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; exports?: Record<string, string> };
  return new Map(
    Object.entries(pkg.exports ?? {})
      .filter(([, to]) => to.endsWith('.ts'))
      .map(([from, to]) => [posix.join(pkg.name, from), posix.normalize(to)]),
  );
})();

function isRelative(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../');
}

/** The value imports of one source file, relative ones only, resolved to repo-relative paths. */
function valueImports(file: string, source: string): Import[] {
  const sf = ts.createSourceFile(
    file,
    source,
    { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone }, // doc comments: not needed, and slow
    false,
    file.endsWith('.mjs') ? ts.ScriptKind.JS : ts.ScriptKind.TS,
  );
  const found: Import[] = [];
  const add = (specifier: ts.Expression | undefined, node: ts.Node): void => {
    if (specifier === undefined || !ts.isStringLiteralLike(specifier)) return;
    // The package's own entry points by name (package.json exports: odelab, odelab/plugin, odelab/node) are edges too.
    const entry = SELF_EXPORTS.get(specifier.text);
    if (entry === undefined && !isRelative(specifier.text)) return;
    const target = entry ?? posix.normalize(posix.join(posix.dirname(file), specifier.text));
    found.push({ target, text: node.getText(sf).replace(/\s+/g, ' ') });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) add(node.moduleSpecifier, node);
      return;
    }
    if (ts.isExportDeclaration(node)) {
      const clause = node.exportClause;
      const typeOnly =
        node.isTypeOnly ||
        (clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) add(node.moduleSpecifier, node);
      return;
    }
    if (ts.isImportEqualsDeclaration(node)) {
      if (!node.isTypeOnly && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression, node);
      return;
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], node);
    // `typeof import('./x.ts')` is an ImportTypeNode, not a call: never reached here as a value edge.
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function sourcesUnder(dir: string): string[] {
  const abs = join(ROOT, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && SOURCE.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => relative(ROOT, join(e.parentPath ?? e.path, e.name)).split(sep).join('/'))
    .sort();
}

function readGraph(): Map<string, Import[]> {
  const files = [...sourcesUnder('core'), ...sourcesUnder('plugins'), ...ROOT_ENTRIES.filter((f) => existsSync(join(ROOT, f)))];
  const graph = new Map<string, Import[]>();
  for (const file of files) {
    let source: string;
    try {
      source = readFileSync(join(ROOT, file), 'utf8');
    } catch {
      continue; // moved away while we were listing
    }
    graph.set(file, valueImports(file, source));
  }
  return graph;
}

// ---- tests ----

test('core is layered as in the table, with no folder cycle and no file cycle', (t) => {
  const graph = readGraph();
  t.true(graph.size > 50, 'the sources were found');
  t.deepEqual(checkArchitecture(graph), []);
});

test('the table names each prefix once', (t) => {
  const prefixes = LAYERS.flatMap((row) => row.prefixes);
  t.deepEqual(prefixes.filter((p, i) => prefixes.indexOf(p) !== i), []);
});

test('the parser keeps value imports only', (t) => {
  const source = [
    "import type { A } from './a.ts';",
    "import { type B, type C } from './b.ts';",
    "export type { D } from './d.ts';",
    "export { type E } from './e.ts';",
    "import { type F, g } from './f.ts';",
    "import h from './h.ts';",
    "import * as i from './i.ts';",
    "import './j.ts';",
    "export { k } from './k.ts';",
    "export * from './l.ts';",
    "export * as m from '../m.ts';",
    "const n = await import('./n.mjs');",
    "type O = typeof import('./o.ts');",
    "import p from 'package-p';",
  ].join('\n');
  t.deepEqual(
    valueImports('core/ode/x.ts', source).map((i) => i.target),
    ['core/ode/f.ts', 'core/ode/h.ts', 'core/ode/i.ts', 'core/ode/j.ts', 'core/ode/k.ts', 'core/ode/l.ts', 'core/m.ts', 'core/ode/n.mjs'],
  );
});

test('a reintroduced cycle and an upward import are reported', (t) => {
  const imp = (target: string): Import => ({ target, text: `import '${target}'` });
  const graph: Graph = new Map([
    ['core/tensor/a.ts', [imp('core/ode/b.ts'), imp('core/errors.ts')]],
    ['core/ode/b.ts', [imp('core/tensor/a.ts'), imp('core/registry/registry.ts')]],
    ['core/registry/registry.ts', [imp('core/errors.ts')]],
    ['core/errors.ts', []],
    ['core/mystery.ts', []],
    ['index.ts', [imp('plugins/index.ts'), imp('plugin.ts')]],
    ['plugin.ts', [imp('core/ode/b.ts')]],
    ['plugins/index.ts', [imp('plugin.ts'), imp('index.ts')]],
  ]);
  const violations = checkArchitecture(graph);
  t.deepEqual(violations, [
    'core/mystery.ts is in no layer: add it to the table',
    'upward import: core/ode/b.ts imports core/registry/registry.ts (numerics/ode → config/registry)',
    'upward import: core/tensor/a.ts imports core/ode/b.ts (tensor → numerics/ode)',
    'folder cycle between core/ode, core/tensor:\n    core/ode → core/tensor (core/ode/b.ts → core/tensor/a.ts)\n    core/tensor → core/ode (core/tensor/a.ts → core/ode/b.ts)',
    'folder cycle between index.ts, plugins/index.ts:\n    index.ts → plugins/index.ts (index.ts → plugins/index.ts)\n    plugins/index.ts → index.ts (plugins/index.ts → index.ts)',
    'file cycle: core/ode/b.ts → core/tensor/a.ts → core/ode/b.ts',
    'file cycle: index.ts → plugins/index.ts → index.ts',
  ]);
  // The entry point importing plugins/ is allowed; the cycle through it is not.
  t.false(violations.some((v) => v.startsWith('upward import: index.ts')));
});
