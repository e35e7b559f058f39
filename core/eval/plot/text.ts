/**
 * Text as the figures set it: the font the SVG asks for, and widths
 * estimated without a font at hand (the layout must be decided before any
 * viewer picks a font).
 *
 * Widths are DejaVu Sans's advance widths, the widest face of the fallback
 * list, so a label that fits by this estimate also fits in Arial or
 * Helvetica. Characters outside printable ASCII get a typical width,
 * combining marks (the dots of q̇ and q̈) none.
 */
import type { Rgb } from './color.ts';

/** The SVG font-family: DejaVu Sans where installed (Linux), else Arial or Helvetica, else any sans-serif. */
export const FONT_FAMILY = 'DejaVu Sans, Arial, Helvetica, sans-serif';

/** Font size in pixels of body text at scale 1. */
export const FONT_SIZE = 11;

/** Cap height of DejaVu Sans in em. */
const CAP = 0.729;

/** Advance widths in em of ' ' (0x20) to '~' (0x7e), from DejaVu Sans. */
const ASCII_WIDTHS = [
  0.318, 0.401, 0.46, 0.838, 0.636, 0.95, 0.78, 0.275, 0.39, 0.39, 0.5, 0.838, 0.318, 0.361, 0.318, 0.337, // space to /
  0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, // 0-9
  0.337, 0.337, 0.838, 0.838, 0.838, 0.531, 1.0, // : to @
  0.684, 0.686, 0.698, 0.77, 0.632, 0.575, 0.775, 0.752, 0.295, 0.295, 0.656, 0.557, 0.863, // A-M
  0.748, 0.787, 0.603, 0.787, 0.695, 0.635, 0.611, 0.732, 0.684, 0.989, 0.685, 0.611, 0.685, // N-Z
  0.39, 0.337, 0.39, 0.838, 0.5, 0.5, // [ to `
  0.613, 0.635, 0.55, 0.635, 0.615, 0.352, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278, 0.974, // a-m
  0.634, 0.612, 0.635, 0.635, 0.411, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592, 0.592, 0.525, // n-z
  0.636, 0.337, 0.636, 0.838, // { | } ~
];

/** Width in em of a character outside printable ASCII (Greek letters, −, ±, °, subscript digits). */
const OTHER_WIDTH = 0.7;

/** How text is placed and drawn. */
export interface TextStyle {
  color: Rgb;
  /** Multiple of the body font size (default 1). */
  scale?: number;
  /** Where the anchor sits along the text: its start, middle or end. */
  align?: 'start' | 'center' | 'end';
  /** Where the anchor sits across the text: the cap line, the middle of the caps, or the baseline. */
  baseline?: 'top' | 'middle' | 'bottom';
  /** Reading upwards (a quarter turn counter-clockwise), as for a y-axis label. */
  vertical?: boolean;
}

/** Estimated width (along the text) and cap height of `text` in pixels at `scale`. */
export function measureText(text: string, scale = 1): { width: number; height: number } {
  let em = 0;
  for (const ch of text) em += charWidth(ch.codePointAt(0)!);
  const size = FONT_SIZE * scale;
  return { width: em * size, height: CAP * size };
}

function charWidth(code: number): number {
  if (code >= 0x20 && code <= 0x7e) return ASCII_WIDTHS[code - 0x20]!;
  // Combining diacritical marks sit on the character before them.
  if (code >= 0x300 && code <= 0x36f) return 0;
  return OTHER_WIDTH;
}
