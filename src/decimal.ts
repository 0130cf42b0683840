/**
 * Exact decimal arithmetic for amounts. Amounts travel as decimal strings; arithmetic uses
 * decimal.js; nothing is ever computed with floats.
 */
import DecimalJs from 'decimal.js';

/**
 * The decimal class used for every amount computation (a decimal.js clone with 40 significant
 * digits, so that quotient rounding never reaches the 8–18 decimals venues use).
 * @internal
 */
export const Decimal = DecimalJs.clone({ precision: 40, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 40 });
/** @internal */
export type Decimal = DecimalJs;

/**
 * An amount or a price given by a user: a decimal string (`'10.5'`) or a finite number (`10.5`,
 * read through its shortest decimal representation).
 * @public
 */
export type DecimalLike = string | number;

const DECIMAL_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses a decimal string or finite number. Returns `undefined` for anything else (NaN,
 * Infinity, `''`, `'1,5'`, objects).
 * @internal
 */
export function parseDecimal(value: unknown): Decimal | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? new Decimal(value) : undefined;
  if (typeof value === 'string' && DECIMAL_RE.test(value.trim())) return new Decimal(value.trim());
  if (DecimalJs.isDecimal(value)) return new Decimal(value as DecimalJs);
  return undefined;
}

/**
 * Parses a decimal, throwing a `TypeError` with the given label when it is not one.
 * @internal
 */
export function dec(value: DecimalLike | Decimal, label = 'value'): Decimal {
  const d = parseDecimal(value);
  if (d === undefined) throw new TypeError(`${label} is not a decimal number: ${String(value)}`);
  return d;
}

/**
 * Canonical decimal string of a decimal: no exponent, no trailing zeros (`'0.1'`, `'2'`).
 * @internal
 */
export function str(d: Decimal): string {
  return d.isZero() ? '0' : d.toFixed();
}

/**
 * Rounds `amount` down to a multiple of `step` (a step of 0 leaves it unchanged).
 * @internal
 */
export function floorToStep(amount: Decimal, step: Decimal): Decimal {
  if (step.isZero()) return amount;
  return amount.div(step).floor().mul(step);
}

/**
 * True when the string is a canonical-enough decimal (what a record or a fill must hold).
 * @internal
 */
export function isDecimalString(value: unknown): value is string {
  return typeof value === 'string' && DECIMAL_RE.test(value);
}

/**
 * Rounds `amount` up to a multiple of `step` (a step of 0 leaves it unchanged).
 * @internal
 */
export function ceilToStep(amount: Decimal, step: Decimal): Decimal {
  if (step.isZero()) return amount;
  return amount.div(step).ceil().mul(step);
}
