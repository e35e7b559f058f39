/**
 * The GradientContext a gradient strategy receives: the forward integrator's
 * name and options, and integrators by name from `methods` (the adjoint's
 * backward solve): the built-ins, or a registry's (Registry.methods()).
 */
import { ConfigError } from '../errors.ts';
import type { GradientContext } from '../gradient.ts';
import type { Methods } from './method.ts';

export function gradientContext(
  methods: Methods,
  forward: { name: string; options: Record<string, unknown> },
): GradientContext {
  return {
    forward,
    integrator(name, options) {
      const plugin = methods.get(name, 'gradient.method');
      if (plugin.requiresSeparable) {
        // The backward state [x, λ, g] is no (q, q̇) of a separable system.
        throw new ConfigError('gradient.method', `gradient.method: '${name}' integrates separable (q, q̇) states only and cannot run the adjoint's backward solve; name another backward method (e.g. dopri5 or implicit-midpoint)`);
      }
      const { rtol, atol, ...rest } = options;
      // Defaults come from the schema; tolerances are set afterwards because a
      // seminorm marks components with an infinite atol, which the schema rejects.
      const parsed = plugin.options.parse(plugin.adaptive ? rest : { step: rest.step }, 'gradient') as Record<string, unknown>;
      if (plugin.adaptive) {
        if (rtol !== undefined) parsed.rtol = rtol;
        if (atol !== undefined) parsed.atol = atol;
      }
      return plugin.create(parsed as never);
    },
  };
}
