/**
 * Unique names for a model instance's tf.Variables.
 *
 * tfjs variable names are process-wide: two live variables with one name
 * are an error. A model plugin names its variables under a scope unique to
 * the instance, `uniqueScope('mlp')` → 'mlp0', 'mlp1', ... (one counter per
 * prefix, for the life of the process), and its layers below it
 * ('mlp0/w0', 'resnet2/block1/b0').
 */
const counters = new Map<string, number>();

/** `${prefix}${n}` with n = how many scopes of this prefix were made before. */
export function uniqueScope(prefix: string): string {
  const n = counters.get(prefix) ?? 0;
  counters.set(prefix, n + 1);
  return `${prefix}${n}`;
}
