/**
 * Reading the SVG figures back in tests: a strict XML parser (it throws on
 * anything a conforming parser would reject that the figures could get
 * wrong: unbalanced or crossed tags, unquoted or duplicate attributes, a
 * raw '<' or a bare '&' in text or attributes, unknown entities, two roots)
 * and the points of path data, so tests can check what a viewer would draw.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own character data, entities decoded (not its descendants'). */
  text: string;
}

const NAME = /[A-Za-z_:][\w:.-]*/y;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Parse a whole XML document; throws an Error saying where it is malformed. */
export function parseXml(source: string): XmlElement {
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`malformed XML at ${at}: ${why} near ${JSON.stringify(source.slice(at, at + 40))}`);
  };
  const decode = (raw: string): string => {
    if (raw.includes('<')) fail("a raw '<'");
    return raw.replace(/&([^;&\s]*);?/g, (whole, name: string) => {
      if (!whole.endsWith(';')) fail(`a bare '&' (${whole})`);
      if (name in ENTITIES) return ENTITIES[name]!;
      const code = /^#x([0-9a-f]+)$/i.exec(name) ? parseInt(name.slice(2), 16) : /^#([0-9]+)$/.exec(name) ? Number(name.slice(1)) : NaN;
      if (!Number.isFinite(code) || code > 0x10ffff) fail(`an unknown entity &${name};`);
      return String.fromCodePoint(code);
    });
  };
  const name = (): string => {
    NAME.lastIndex = at;
    const m = NAME.exec(source);
    if (!m) fail('a name expected');
    at += m![0].length;
    return m![0];
  };
  const skipMisc = () => {
    for (;;) {
      const ws = /\s*/y;
      ws.lastIndex = at;
      at += ws.exec(source)![0].length;
      if (source.startsWith('<?', at) || source.startsWith('<!--', at)) {
        const end = source.indexOf(source.startsWith('<?', at) ? '?>' : '-->', at);
        if (end < 0) fail('an unterminated declaration or comment');
        at = end + (source.startsWith('<?', at) ? 2 : 3);
      } else return;
    }
  };
  const element = (): XmlElement => {
    if (source[at] !== '<') fail("'<' expected");
    at++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      const ws = /\s*/y;
      ws.lastIndex = at;
      const space = ws.exec(source)![0].length;
      at += space;
      if (source.startsWith('/>', at)) {
        at += 2;
        return el;
      }
      if (source[at] === '>') {
        at++;
        break;
      }
      if (space === 0) fail('whitespace expected before an attribute');
      const attr = name();
      if (attr in el.attrs) fail(`a duplicate attribute ${attr}`);
      if (source[at] !== '=') fail("'=' expected");
      const quote = source[++at];
      if (quote !== '"' && quote !== "'") fail('a quoted attribute value expected');
      const end = source.indexOf(quote!, at + 1);
      if (end < 0) fail('an unterminated attribute value');
      el.attrs[attr] = decode(source.slice(at + 1, end));
      at = end + 1;
    }
    for (;;) {
      const next = source.indexOf('<', at);
      if (next < 0) fail(`</${el.name}> missing`);
      const raw = source.slice(at, next);
      if (raw.includes(']]>')) fail("']]>' in text");
      el.text += decode(raw);
      at = next;
      if (source.startsWith('</', at)) {
        at += 2;
        const closing = name();
        if (closing !== el.name) fail(`</${closing}> closes <${el.name}>`);
        if (source[at] !== '>') fail("'>' expected");
        at++;
        return el;
      }
      if (source.startsWith('<!--', at)) {
        const end = source.indexOf('-->', at);
        if (end < 0) fail('an unterminated comment');
        at = end + 3;
        continue;
      }
      el.children.push(element());
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (at !== source.length) fail('content after the root element');
  return root;
}

/** Every element named `name` below (and including) `root`, in document order. */
export function findAll(root: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (el: XmlElement) => {
    if (el.name === name) out.push(el);
    el.children.forEach(walk);
  };
  walk(root);
  return out;
}

/** Elements whose class attribute lists `cls`. */
export function byClass(root: XmlElement, cls: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (el: XmlElement) => {
    if ((el.attrs.class ?? '').split(/\s+/).includes(cls)) out.push(el);
    el.children.forEach(walk);
  };
  walk(root);
  return out;
}

/** The text of every <text> element below `root`. */
export function texts(root: XmlElement): string[] {
  return findAll(root, 'text').map((el) => el.text);
}

/**
 * The vertices of path data in absolute coordinates, one list per subpath.
 * Knows the commands the figures use (M m L l H h V v); any other throws,
 * so a test notices when the writer starts using one it cannot check.
 */
export function pathPieces(d: string): [number, number][][] {
  const tokens = d.match(/[A-Za-z]|-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/g) ?? [];
  const pieces: [number, number][][] = [];
  let x = 0;
  let y = 0;
  let command = '';
  let i = 0;
  const value = () => {
    const v = Number(tokens[i++]);
    if (!Number.isFinite(v)) throw new Error(`path data: number expected in ${JSON.stringify(d.slice(0, 60))}`);
    return v;
  };
  while (i < tokens.length) {
    if (/[A-Za-z]/.test(tokens[i]!)) command = tokens[i++]!;
    const piece = pieces.at(-1);
    switch (command) {
      case 'M':
      case 'm': {
        const [a, b] = [value(), value()];
        [x, y] = command === 'M' ? [a, b] : [x + a, y + b];
        pieces.push([[x, y]]);
        command = command === 'M' ? 'L' : 'l'; // further pairs are linetos
        continue;
      }
      case 'L':
        [x, y] = [value(), value()];
        break;
      case 'l':
        [x, y] = [x + value(), y + value()];
        break;
      case 'H':
        x = value();
        break;
      case 'h':
        x += value();
        break;
      case 'V':
        y = value();
        break;
      case 'v':
        y += value();
        break;
      default:
        throw new Error(`path data: command ${JSON.stringify(command)} not understood`);
    }
    if (!piece) throw new Error('path data must start with a moveto');
    piece.push([x, y]);
  }
  return pieces;
}

/** A parsed SVG figure: its root, its size, and the checks every figure must pass. */
export function parseSvg(source: string | Uint8Array): { root: XmlElement; width: number; height: number } {
  const text = typeof source === 'string' ? source : new TextDecoder('utf-8', { fatal: true }).decode(source);
  const root = parseXml(text);
  if (root.name !== 'svg' || root.attrs.xmlns !== 'http://www.w3.org/2000/svg') throw new Error('the root is not an <svg> in the SVG namespace');
  const width = Number(root.attrs.width);
  const height = Number(root.attrs.height);
  if (!(width > 0 && height > 0)) throw new Error(`width and height must be positive numbers, got ${root.attrs.width} and ${root.attrs.height}`);
  if (root.attrs.viewBox !== `0 0 ${width} ${height}`) throw new Error(`viewBox ${root.attrs.viewBox} does not match ${width} x ${height}`);
  return { root, width, height };
}

/**
 * Every coordinate a figure draws at (path vertices, text anchors, rects),
 * in figure coordinates: panel groups translate their children.
 */
export function drawnPoints(root: XmlElement): [number, number][] {
  const out: [number, number][] = [];
  const walk = (el: XmlElement, ox: number, oy: number) => {
    const shift = /^translate\((-?[\d.]+)[ ,](-?[\d.]+)\)$/.exec(el.attrs.transform ?? '');
    if (shift) [ox, oy] = [ox + Number(shift[1]), oy + Number(shift[2])];
    if (el.name === 'path') for (const piece of pathPieces(el.attrs.d ?? '')) for (const [x, y] of piece) out.push([ox + x, oy + y]);
    if (el.name === 'text') out.push([ox + Number(el.attrs.x), oy + Number(el.attrs.y)]);
    if (el.name === 'rect') {
      const [x, y, w, h] = ['x', 'y', 'width', 'height'].map((k) => Number(el.attrs[k]));
      out.push([ox + x!, oy + y!], [ox + x! + w!, oy + y! + h!]);
    }
    for (const child of el.children) walk(child, ox, oy);
  };
  walk(root, 0, 0);
  return out;
}
