/**
 * Colours: an RGB triple, the default series palette and the colour syntax
 * charts accept.
 */

/** An opaque colour, each channel 0-255. */
export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/**
 * The series palette: Tableau 10 (Tableau's 2016 default, designed with
 * colour-vision deficiencies in mind; Stone, "How we designed the new color
 * palettes in Tableau 10", 2016). `C0`..`C9` in a chart spec name these.
 */
export const PALETTE: readonly string[] = [
  '#4e79a7', // blue
  '#f28e2b', // orange
  '#e15759', // red
  '#76b7b2', // teal
  '#59a14f', // green
  '#edc948', // yellow
  '#b07aa1', // purple
  '#ff9da7', // pink
  '#9c755f', // brown
  '#bab0ac', // grey
];

/** What {@link parseColor} accepts, for error messages. */
export const COLOR_SYNTAX = "'#rgb', '#rrggbb' or a palette entry 'C0'..'C9'";

/** Parse `#rgb`, `#rrggbb` or `C0`..`C9`; undefined when the string is none of these. */
export function parseColor(text: string): Rgb | undefined {
  const palette = /^C(\d)$/.exec(text);
  if (palette) return parseColor(PALETTE[Number(palette[1])]!);
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(text);
  if (short) return { r: parseInt(short[1]!.repeat(2), 16), g: parseInt(short[2]!.repeat(2), 16), b: parseInt(short[3]!.repeat(2), 16) };
  const long = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(text);
  if (long) return { r: parseInt(long[1]!, 16), g: parseInt(long[2]!, 16), b: parseInt(long[3]!, 16) };
  return undefined;
}

/** The palette colour for series `index`, cycling after ten. */
export function paletteColor(index: number): Rgb {
  return parseColor(PALETTE[index % PALETTE.length]!)!;
}

/** `#rrggbb` of a colour, as SVG attributes take it. */
export function hex(c: Rgb): string {
  return '#' + [c.r, c.g, c.b].map((v) => v.toString(16).padStart(2, '0')).join('');
}

/** Fixed colours of the chart furniture. */
export const INK = {
  background: { r: 255, g: 255, b: 255 },
  text: { r: 34, g: 34, b: 34 },
  frame: { r: 68, g: 68, b: 68 },
  grid: { r: 232, g: 232, b: 232 },
  muted: { r: 130, g: 130, b: 130 },
  legendBorder: { r: 204, g: 204, b: 204 },
} as const satisfies Record<string, Rgb>;
