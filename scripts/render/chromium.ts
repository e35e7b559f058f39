/**
 * Rendering a figure the way a browser (and MLflow's artifact viewer, which
 * shows SVG in the browser) does: headless Chromium screenshots the SVG file,
 * and the screenshot is checked for size and ink.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readPng, rgbAt, type PngImage } from './png-read.ts';

/** Debian's and Ubuntu's names for the binary, and Chrome's. */
const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The path of a Chromium binary on PATH (or in CHROMIUM), or undefined when there is none. */
export function findChromium(): string | undefined {
  const given = process.env.CHROMIUM;
  if (given && existsSync(given)) return given;
  for (const name of CANDIDATES) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    const path = r.stdout.trim();
    if (r.status === 0 && path) return path;
  }
  return undefined;
}

/**
 * Screenshot `svgFile` in a `width` x `height` window. Chromium's
 * --screenshot loads the page, waits for its load event (the SVG parsed and
 * laid out), writes the PNG and exits; this waits for that exit, at most
 * `timeoutMs`, then reads the PNG. A throwaway profile folder keeps
 * concurrent runs from fighting over one.
 */
export function screenshot(chromium: string, svgFile: string, width: number, height: number, timeoutMs = 60_000): PngImage {
  const work = mkdtempSync(join(tmpdir(), 'odelab-chromium-'));
  try {
    const png = join(work, 'shot.png');
    const args = [
      '--headless',
      '--disable-gpu',
      '--no-sandbox',
      '--hide-scrollbars',
      `--user-data-dir=${join(work, 'profile')}`,
      `--screenshot=${png}`,
      `--window-size=${width},${height}`,
      pathToFileURL(svgFile).href,
    ];
    const r = spawnSync(chromium, args, { timeout: timeoutMs, encoding: 'utf8' });
    if (r.error) throw new Error(`chromium did not finish within ${timeoutMs} ms: ${r.error.message}`);
    if (!existsSync(png)) throw new Error(`chromium exited with ${r.status} and wrote no screenshot:\n${r.stderr.slice(-2000)}`);
    return readPng(readFileSync(png));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** What a screenshot shows: the share of pixels that are not white, and the share close to `rgb`. */
export function ink(img: PngImage, rgb?: readonly [number, number, number]): { nonWhite: number; near: number } {
  let nonWhite = 0;
  let near = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const [r, g, b] = rgbAt(img, x, y);
      if (r < 245 || g < 245 || b < 245) nonWhite++;
      if (rgb && Math.abs(r - rgb[0]) <= 24 && Math.abs(g - rgb[1]) <= 24 && Math.abs(b - rgb[2]) <= 24) near++;
    }
  }
  const n = img.width * img.height;
  return { nonWhite: nonWhite / n, near: near / n };
}

/** The outcome of {@link renderCheck}; `problems` is empty when the figure rendered as it should. */
export interface RenderCheck {
  width: number;
  height: number;
  nonWhite: number;
  seriesInk: number;
  ms: number;
  problems: string[];
}

/**
 * Screenshot an SVG figure of `width` x `height` and check what came out:
 * a PNG of exactly the window's size; some ink but not a flood of it (a
 * blank page, or a figure drawn black, fails); and pixels of the colour of
 * the series, so the data themselves were drawn, not only the axes.
 */
export function renderCheck(chromium: string, svgFile: string, width: number, height: number, seriesColour: readonly [number, number, number]): RenderCheck {
  const start = performance.now();
  const img = screenshot(chromium, svgFile, width, height);
  const ms = performance.now() - start;
  const { nonWhite, near } = ink(img, seriesColour);
  const problems: string[] = [];
  if (img.width !== width || img.height !== height) problems.push(`screenshot is ${img.width} x ${img.height}, window ${width} x ${height}`);
  if (!(nonWhite >= 0.01 && nonWhite <= 0.6)) problems.push(`${(100 * nonWhite).toFixed(2)}% of pixels are not white, expected 1% to 60%`);
  if (!(near >= 0.0002)) problems.push(`${(100 * near).toFixed(3)}% of pixels have the series colour, expected at least 0.02%`);
  return { width: img.width, height: img.height, nonWhite, seriesInk: near, ms, problems };
}
