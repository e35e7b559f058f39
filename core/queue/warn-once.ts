/**
 * Warnings about Redis come in bursts (every client of a process reports
 * every failed reconnect while Redis is down): say each distinct message
 * once, and again only after an interval.
 */
export function warnOnce(say: (message: string) => void, intervalMs = 30_000): (message: string) => void {
  const last = new Map<string, number>();
  return (message) => {
    const now = Date.now();
    if (now - (last.get(message) ?? -Infinity) < intervalMs) return;
    last.set(message, now);
    say(message);
  };
}
