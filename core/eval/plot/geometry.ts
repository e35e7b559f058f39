/**
 * Rectangles and segment clipping, shared by the chart layout, the legend
 * placement and the SVG paths (which are clipped to the plot area before
 * they are written, so that a point at 1e300 never reaches the file).
 */

/** An axis-aligned rectangle in pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Bounds: x0 <= x <= x1, y0 <= y <= y1. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The bounds of `rect`. */
export function boxOf(rect: Rect): Box {
  return { x0: rect.x, y0: rect.y, x1: rect.x + rect.width, y1: rect.y + rect.height };
}

/**
 * The parameter range [t0, t1] of the segment inside `box` grown by `margin`
 * (Liang-Barsky clipping), or undefined when it misses the box.
 */
export function clipSegment(x0: number, y0: number, x1: number, y1: number, box: Box, margin: number): [number, number] | undefined {
  const dx = x1 - x0;
  const dy = y1 - y0;
  let t0 = 0;
  let t1 = 1;
  // Each edge as p * t <= q; no allocation per call, this runs once per segment.
  for (let edge = 0; edge < 4; edge++) {
    const p = edge === 0 ? -dx : edge === 1 ? dx : edge === 2 ? -dy : dy;
    const q = edge === 0 ? x0 - (box.x0 - margin) : edge === 1 ? box.x1 + margin - x0 : edge === 2 ? y0 - (box.y0 - margin) : box.y1 + margin - y0;
    if (p === 0) {
      if (q < 0) return undefined;
      continue;
    }
    const r = q / p;
    if (p < 0) {
      if (r > t0) t0 = r;
    } else if (r < t1) t1 = r;
    if (t0 > t1) return undefined;
  }
  return [t0, t1];
}
