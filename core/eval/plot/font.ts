/**
 * A built-in 5x7 bitmap font with descenders, drawn at any scale (whole
 * scales crisp, fractional ones anti-aliased by area coverage), horizontally or rotated a quarter turn counter-clockwise (for y labels).
 *
 * Printable ASCII uses the classic 5x7 LCD character set (as in the HD44780
 * ROM and the Adafruit GFX "glcdfont"), with the descending lowercase letters
 * redrawn to drop below the baseline. A few symbols physics labels need are
 * added (· θ ω − × ± ° µ π Δ α λ σ ², subscript digits ₀-₉, and the
 * combining dot and diaeresis of q̇ and q̈, drawn over the character before
 * them); any other character is drawn as a box, so a missing glyph is
 * visible rather than silently dropped.
 *
 * Metrics, in font pixels (multiply by the scale): each glyph is 5 wide and
 * advances 6; capitals and digits are 7 tall above the baseline; descenders
 * reach 2 below. Text boxes measure the 7-pixel cap height.
 */
import type { Canvas, Rect } from './canvas.ts';
import type { Rgb } from './color.ts';

/** Font pixels: glyph width, advance, cap height, descent. */
export const GLYPH = { width: 5, advance: 6, cap: 7, descent: 2 } as const;

/**
 * Columns of ' ' (0x20) to '~' (0x7e), five bytes of two hex digits per
 * glyph; bit k of a column byte is row k from the top.
 */
const ASCII_COLUMNS =
  '0000000000 00005f0000 0007000700 147f147f14 242a7f2a12 2313086462 3649552250 0005030000 001c224100 0041221c00 ' +
  '082a1c2a08 08083e0808 0050300000 0808080808 0060600000 2010080402 3e4141413e 00427f4000 4261514946 2141454b31 ' +
  '1814127f10 2745454539 3c4a494930 0171090503 3649494936 064949291e 0036360000 0056360000 0008142241 1414141414 ' +
  '4122140800 0201510906 324979413e 7e1111117e 7f49494936 3e41414122 7f4141221c 7f49494941 7f09090101 3e41415132 ' +
  '7f0808087f 00417f4100 2040413f01 7f08142241 7f40404040 7f0204027f 7f0408107f 3e4141413e 7f09090906 3e4151215e ' +
  '7f09192946 4649494931 01017f0101 3f4040403f 1f2040201f 7f2018207f 6314081463 0304780403 6151494543 00007f4141 ' +
  '0204081020 41417f0000 0402010204 4040404040 0001020400 2054545478 7f48444438 3844444420 384444487f 3854545418 ' +
  '087e090102 0000000000 7f08040478 00447d4000 0000000000 007f102844 00417f4000 7c04180478 7c08040478 3844444438 ' +
  '0000000000 0000000000 7c08040408 4854545420 043f444020 3c4040207c 1c2040201c 3c4030403c 4428102844 0000000000 ' +
  '4464544c44 0008364100 00007f0000 0041360800 0804081008';

/** Glyphs drawn as art: 5 columns by 9 rows ('#' set), rows 0-6 above the baseline, 7-8 below. */
const ART: Record<string, string> = {
  g: '..... ..... .#### #...# #...# #...# .#### ....# .###.',
  j: '...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##..',
  p: '..... ..... ####. #...# #...# #...# ####. #.... #....',
  q: '..... ..... .#### #...# #...# #...# .#### ....# ....#',
  y: '..... ..... #...# #...# #...# #...# .#### ....# .###.',
  '·': '..... ..... ..... ..#.. ..... ..... ..... ..... .....',
  'θ': '.###. #...# #...# ##### #...# #...# .###. ..... .....',
  'ω': '..... ..... #...# #...# #.#.# #.#.# .#.#. ..... .....',
  '−': '..... ..... ..... ##### ..... ..... ..... ..... .....',
  '×': '..... #...# .#.#. ..#.. .#.#. #...# ..... ..... .....',
  '±': '..#.. ..#.. ##### ..#.. ..#.. ..... ##### ..... .....',
  '°': '.##.. #..#. #..#. .##.. ..... ..... ..... ..... .....',
  'µ': '..... ..... #...# #...# #...# #..## ###.# #.... #....',
  'π': '..... ..... ##### .#.#. .#.#. .#.#. .#..# ..... .....',
  'Δ': '..#.. ..#.. .#.#. .#.#. #...# #...# ##### ..... .....',
  'α': '..... ..... .##.# #..#. #..#. #..#. .##.# ..... .....',
  'λ': '#.... .#... .#... ..#.. .#.#. #...# #...# ..... .....',
  'σ': '..... ..... .#### #..#. #...# #...# .###. ..... .....',
  '²': '.##.. ...#. ..#.. .###. ..... ..... ..... ..... .....',
  // Subscript digits: 3 x 5, hanging from the x-height to the descender line, like a subscript set by hand.
  '₀': '..... ..... ..... ..... ###.. #.#.. #.#.. #.#.. ###..',
  '₁': '..... ..... ..... ..... .#... ##... .#... .#... ###..',
  '₂': '..... ..... ..... ..... ###.. ..#.. ###.. #.... ###..',
  '₃': '..... ..... ..... ..... ###.. ..#.. .##.. ..#.. ###..',
  '₄': '..... ..... ..... ..... #.#.. #.#.. ###.. ..#.. ..#..',
  '₅': '..... ..... ..... ..... ###.. #.... ###.. ..#.. ###..',
  '₆': '..... ..... ..... ..... ###.. #.... ###.. #.#.. ###..',
  '₇': '..... ..... ..... ..... ###.. ..#.. .#... .#... .#...',
  '₈': '..... ..... ..... ..... ###.. #.#.. ###.. #.#.. ###..',
  '₉': '..... ..... ..... ..... ###.. #.#.. ###.. ..#.. ###..',
};
/**
 * Combining marks (one row of 5 columns): drawn over the character before
 * them and taking no room of their own, so q̇ is 'q' followed by U+0307.
 */
const MARKS: Record<string, number> = { '\u0307': 0b00100, '\u0308': 0b01010 };
/** What a character without a glyph is drawn as. */
const BOX = '##### #...# #...# #...# #...# #...# ##### ..... .....';
/** Alternative code points drawn like an existing glyph. */
const ALIAS: Record<string, string> = { 'μ': 'µ', '\u00a0': ' ', '–': '-', '—': '-', 'ϑ': 'θ' };

/** A glyph as 9 row bitmasks, bit c = column c. */
type Glyph = readonly number[];

const GLYPHS: Map<string, Glyph> = buildGlyphs();

function buildGlyphs(): Map<string, Glyph> {
  const glyphs = new Map<string, Glyph>();
  ASCII_COLUMNS.split(' ').forEach((hex, i) => {
    const rows = new Array<number>(GLYPH.cap + GLYPH.descent).fill(0);
    for (let c = 0; c < GLYPH.width; c++) {
      const column = parseInt(hex.slice(2 * c, 2 * c + 2), 16);
      for (let r = 0; r < 8; r++) if (column & (1 << r)) rows[r]! |= 1 << c;
    }
    glyphs.set(String.fromCharCode(0x20 + i), rows);
  });
  for (const [ch, art] of Object.entries(ART)) glyphs.set(ch, fromArt(art));
  return glyphs;
}

function fromArt(art: string): Glyph {
  return art.split(' ').map((row) => [...row].reduce((bits, cell, c) => (cell === '#' ? bits | (1 << c) : bits), 0));
}

const BOX_GLYPH = fromArt(BOX);

function glyphOf(ch: string): Glyph {
  return GLYPHS.get(ALIAS[ch] ?? ch) ?? BOX_GLYPH;
}

/** Whether `ch` (one code point) has its own glyph or is a supported combining mark; otherwise it is drawn as a box. */
export function hasGlyph(ch: string): boolean {
  return GLYPHS.has(ALIAS[ch] ?? ch) || ch in MARKS;
}

/** Characters that take a place along the text (combining marks do not). */
function spacingLength(text: string): number {
  let n = 0;
  for (const ch of text) if (!(ch in MARKS)) n++;
  return n;
}

/**
 * The glyph row a combining mark goes on: the top row when the character it
 * sits on leaves the top two rows empty (q, ω, x), else two rows above the
 * cap line (θ, capitals), where it overhangs the text box by that much.
 */
function markRow(base: Glyph | undefined): number {
  return base && (base[0]! | base[1]!) !== 0 ? -2 : 0;
}

/** How text is placed and drawn. */
export interface TextStyle {
  color: Rgb;
  /** Magnification of the 5x7 font (default 1); whole numbers draw crisp, fractions anti-aliased. */
  scale?: number;
  /** Where the anchor sits along the text: its start, middle or end. */
  align?: 'start' | 'center' | 'end';
  /** Where the anchor sits across the text: the cap line, the middle of the caps, or the baseline. */
  baseline?: 'top' | 'middle' | 'bottom';
  /** Draw reading upwards (a quarter turn counter-clockwise), as for a y-axis label. */
  vertical?: boolean;
}

/** Width (along the text) and cap height of `text` in pixels at `scale`. */
export function measureText(text: string, scale = 1): { width: number; height: number } {
  const n = spacingLength(text);
  return { width: n > 0 ? (n * GLYPH.advance - (GLYPH.advance - GLYPH.width)) * scale : 0, height: GLYPH.cap * scale };
}

/**
 * Draw `text` anchored at (x, y) and return its box (cap height; descenders
 * may reach `GLYPH.descent * scale` beyond it, and a combining mark over a
 * tall character 2 * scale above it). The drawing respects the canvas clip.
 */
export function drawText(canvas: Canvas, text: string, x: number, y: number, style: TextStyle): Rect {
  const scale = style.scale ?? 1;
  const crisp = Number.isInteger(scale);
  const snap = (v: number) => (crisp ? Math.round(v) : v);
  const { width, height } = measureText(text, scale);
  const along = width * { start: 0, center: 0.5, end: 1 }[style.align ?? 'start'];
  const across = height * { top: 0, middle: 0.5, bottom: 1 }[style.baseline ?? 'top'];
  // Text frame: u along the text, v down across it; (ox, oy) is where u = v = 0 lands.
  const ox = snap(style.vertical ? x - across : x - along);
  const oy = snap(style.vertical ? y + along : y - across);
  const cells: Rect[] = [];
  const plot = (bits: number, r: number, u: number) => {
    for (let c = 0; c < GLYPH.width; c++) {
      if (!(bits & (1 << c))) continue;
      const gu = u + c * scale;
      const gv = r * scale;
      cells.push(
        style.vertical
          ? { x: ox + gv, y: oy - gu - scale, width: scale, height: scale }
          : { x: ox + gu, y: oy + gv, width: scale, height: scale },
      );
    }
  };
  let u = 0;
  let previous: Glyph | undefined;
  for (const ch of text) {
    const mark = MARKS[ch];
    if (mark !== undefined) {
      // Over the previous character (or, leading the text, over an empty place before it).
      plot(mark, markRow(previous), previous ? u - GLYPH.advance * scale : u);
      continue;
    }
    previous = glyphOf(ch);
    previous.forEach((bits, r) => plot(bits, r, u));
    u += GLYPH.advance * scale;
  }
  if (crisp) for (const cell of cells) canvas.fillRect(cell, style.color);
  else canvas.fillRectsSmooth(cells, style.color);
  return style.vertical ? { x: ox, y: oy - width, width: height, height: width } : { x: ox, y: oy, width, height };
}
