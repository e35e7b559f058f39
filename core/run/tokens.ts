/** Injection tokens of odelab's services (tsx emits no decorator metadata: inject explicitly). */
export const TOKENS = {
  Registry: 'odelab.Registry',
  Tracker: 'odelab.Tracker',
  Reporter: 'odelab.Reporter',
} as const;
