/**
 * Unknown option keys, refused with the nearest valid name: a JavaScript user's typo
 * (`tickIntervalMS`) would otherwise be silently ignored and the default used instead.
 */
import { InvalidOptionsError } from './errors';

/**
 * The keys an options object may hold. `true`: any value (a number, a port, a class instance);
 * a nested shape: a plain object whose keys are checked too; {@link eachOf}: an object keyed by
 * free names (symbols, assets) whose every value has the given shape.
 * @internal
 */
export interface OptionShape {
  readonly [key: string]: true | OptionShape | EachOf;
}

/**
 * A map keyed by free names (symbols, assets) whose values have one shape.
 * @internal
 */
export class EachOf {
  /** @param shape - the shape of every value */
  constructor(readonly shape: OptionShape) {}
}

/**
 * A map keyed by free names whose every value has `shape` (e.g. PaperExchange's `markets`).
 * @internal
 */
export function eachOf(shape: OptionShape): EachOf {
  return new EachOf(shape);
}

/**
 * Damerau–Levenshtein distance (optimal string alignment: insertions, deletions, substitutions
 * and swaps of two neighbours each cost 1).
 * @internal
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1]!;
}

/**
 * The candidate nearest to `name`, or `undefined` when none is near enough to be a typo: a
 * case-insensitive match first, else the smallest edit distance if it is at most 2, or a third of
 * the name's length for long names. Ties go to the first candidate.
 * @internal
 */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const sameCase = candidates.find((c) => c.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const distance = editDistance(lower, c.toLowerCase());
    if (distance < bestDistance) {
      best = c;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Refuses any own key of `options` (and of its nested option objects) that `shape` does not
 * list, naming the nearest valid key: ``Invalid option `tickIntervalMS`: unknown option, did you
 * mean `tickIntervalMs`?``. Values are not checked here (each owner checks its own); a nested
 * value that is not a plain object is left to that check too.
 * @param options - what the user passed
 * @param shape - the keys it may hold
 * @param path - the option path of `options` in errors (e.g. `strategy`), empty for the root
 * @throws {@link InvalidOptionsError} for an unknown key
 * @internal
 */
export function checkKnownOptions(options: unknown, shape: OptionShape, path = ''): void {
  if (!isPlainObject(options)) return;
  const known = Object.keys(shape);
  const at = (key: string) => (path === '' ? key : `${path}.${key}`);
  for (const key of Object.keys(options)) {
    const spec = shape[key];
    if (spec === undefined || !Object.hasOwn(shape, key)) {
      const near = nearestName(key, known);
      const hint = near === undefined ? `valid options here: ${known.map((k) => `\`${k}\``).join(', ')}` : `did you mean \`${at(near)}\`?`;
      throw new InvalidOptionsError(at(key), `unknown option, ${hint}`);
    }
    const value = options[key];
    if (spec instanceof EachOf) {
      if (isPlainObject(value)) for (const [name, each] of Object.entries(value)) checkKnownOptions(each, spec.shape, `${at(key)}.${name}`);
    } else if (spec !== true) {
      checkKnownOptions(value, spec, at(key));
    }
  }
}
