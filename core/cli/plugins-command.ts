/** `odelab plugins [--json]`: every registered plugin by kind, with its description and options. */
import type { SchemaInfo } from '../schema.ts';
import { loadPluginModule } from '../registry/loader.ts';
import { PLUGIN_KINDS } from '../registry/plugin.ts';
import type { Registry } from '../registry/registry.ts';

export interface PluginListing {
  name: string;
  description: string;
  options: Record<string, SchemaInfo>;
  [capability: string]: unknown;
}

export function listPlugins(registry: Registry): Record<string, PluginListing[]> {
  const out: Record<string, PluginListing[]> = {};
  for (const kind of PLUGIN_KINDS) {
    out[kind] = registry.list(kind).map((p) => {
      const entry: PluginListing = { name: p.name, description: p.description, options: p.options.info().fields ?? {} };
      if (p.kind === 'integrator') Object.assign(entry, { order: p.order, adaptive: p.adaptive, symplectic: p.symplectic === true, requiresSeparable: p.requiresSeparable === true, implicit: p.implicit === true, float64Only: p.float64Only === true });
      if (p.kind === 'tracker') entry.schemes = [...p.schemes];
      if (p.kind === 'model' && p.requiresMechanical) entry.requiresMechanical = true;
      return entry;
    });
  }
  return out;
}

function formatOption(name: string, o: SchemaInfo): string {
  const dflt = o.default !== undefined ? ` (default ${JSON.stringify(o.default)})` : o.optional ? ' (optional)' : '';
  const desc = o.description ? ` — ${o.description}` : '';
  return `      ${name}: ${o.expected}${dflt}${desc}`;
}

export function formatPlugins(listing: Record<string, PluginListing[]>): string {
  const lines: string[] = [];
  for (const [kind, plugins] of Object.entries(listing)) {
    lines.push(`${kind}:`);
    if (!plugins.length) lines.push('  (none)');
    for (const p of plugins) {
      const caps =
        p.order !== undefined
          ? ` [order ${p.order}${p.adaptive ? ', adaptive' : ', fixed step'}${p.symplectic ? ', symplectic' : ''}${p.requiresSeparable ? ', separable systems only' : ''}${p.implicit ? ', implicit' : ''}${p.float64Only ? ', float64 only' : ''}]`
          : '';
      lines.push(`  ${p.name}${caps} — ${p.description}`);
      for (const [name, o] of Object.entries(p.options)) lines.push(formatOption(name, o));
    }
  }
  return lines.join('\n');
}

export async function pluginsCommand(registry: Registry, paths: readonly string[], json: boolean): Promise<number> {
  for (const p of paths) await loadPluginModule(registry, p, process.cwd(), '--plugin');
  const listing = listPlugins(registry);
  process.stdout.write(json ? `${JSON.stringify(listing, null, 2)}\n` : `${formatPlugins(listing)}\n`);
  return 0;
}
