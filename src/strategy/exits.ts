/**
 * The exits of the DCA strategy as pure triggers: stop loss (optionally only after the price
 * stayed below for a time), trailing take-profit, time limit. What a trigger must remember between
 * ticks (since when the price is below the stop, the peak since the trailing take-profit armed)
 * lives in the cycle's memory, returned only when it changes.
 */
import { Decimal, isDecimalString, str } from '../decimal';
import type { JsonValue, Position } from '../ports/record';
import type { StrategyExitReason } from './strategy';

/**
 * The exit options of `dca()`, parsed.
 * @internal
 */
export interface ExitParams {
  /** Exit when price ≤ avgPrice × (1 − stopLossPct / 100); null: no stop loss. */
  readonly stopLossPct: Decimal | null;
  /** …and it stayed there this long, ms (0: at once). */
  readonly stopLossTimeoutMs: number;
  /** Arms at the take-profit price; exits on a retrace of this many % from the peak; null: off. */
  readonly trailingTakeProfitPct: Decimal | null;
  /** Exit a cycle open (since its start fill) this long, ms; null: no limit. */
  readonly maxCycleMs: number | null;
  /** The take-profit in %, where the trailing take-profit arms. */
  readonly takeProfitPct: Decimal;
}

/**
 * What the DCA strategy remembers for a cycle: since when the price has been at or below the stop
 * (Unix ms), and the highest price since the trailing take-profit armed (decimal string).
 * @internal
 */
export interface DcaMemory {
  readonly belowSince?: number;
  readonly peak?: string;
}

/**
 * The verdict for one tick: an exit, and/or the new memory when it changed (absent: unchanged).
 * @internal
 */
export interface ExitVerdict {
  readonly exit?: StrategyExitReason;
  readonly memory?: DcaMemory;
}

/** Prices of one position, computed once per position object (records are immutable). @internal */
export interface ExitLevels {
  readonly stop: Decimal | null;
  readonly arm: Decimal | null;
  /** Float bounds of the "nothing to check" band, a hair inside the exact prices. */
  readonly quietAbove: number;
  readonly quietBelow: number;
}

const MARGIN = 1e-9;
const NOTHING: ExitVerdict = Object.freeze({});

/**
 * The memory as the DCA strategy wrote it, or empty: anything else (another strategy's memory, a
 * hand-edited record) is ignored rather than trusted.
 * @internal
 */
export function readDcaMemory(memory: JsonValue | null | undefined): DcaMemory {
  if (typeof memory !== 'object' || memory === null || Array.isArray(memory)) return {};
  const m = memory as Record<string, JsonValue>;
  const out: { belowSince?: number; peak?: string } = {};
  if (typeof m.belowSince === 'number' && Number.isFinite(m.belowSince)) out.belowSince = m.belowSince;
  if (isDecimalString(m.peak) && !m.peak.startsWith('-')) out.peak = m.peak;
  return out;
}

/**
 * The stop-loss price of a position: `avgPrice × (1 − stopLossPct / 100)`.
 * @internal
 */
export function stopLossPrice(avgPrice: Decimal, stopLossPct: Decimal): Decimal {
  return avgPrice.mul(new Decimal(1).minus(stopLossPct.div(100)));
}

/**
 * The price at which a trailing take-profit armed at `peak` exits: `peak × (1 − pct / 100)`.
 * @internal
 */
export function trailingExitPrice(peak: Decimal, trailingPct: Decimal): Decimal {
  return peak.mul(new Decimal(1).minus(trailingPct.div(100)));
}

function levels(p: ExitParams, position: Position): ExitLevels {
  const avg = new Decimal(position.avgPrice);
  const stop = p.stopLossPct === null ? null : stopLossPrice(avg, p.stopLossPct);
  const arm = p.trailingTakeProfitPct === null ? null : avg.mul(p.takeProfitPct.div(100).plus(1));
  return {
    stop,
    arm,
    quietAbove: stop === null ? -Infinity : stop.toNumber() * (1 + MARGIN),
    quietBelow: arm === null ? Infinity : arm.toNumber() * (1 - MARGIN),
  };
}

/** True when the exit options ask for nothing (the DCA strategy then skips this check). @internal */
export function noExits(p: ExitParams): boolean {
  return p.stopLossPct === null && p.trailingTakeProfitPct === null && p.maxCycleMs === null;
}

/**
 * The exit triggers for one active position at one price (pure), in order: the time limit, the
 * stop loss, the trailing take-profit. Memory is returned only when it changes: the peak only when
 * it moves up, `belowSince` when the price crosses the stop either way — a falling price writes
 * nothing tick after tick.
 * @param cache - levels per position object (optional, for speed)
 * @internal
 */
export function checkExits(
  p: ExitParams,
  position: Position,
  price: number,
  now: number,
  memory: DcaMemory,
  cache?: WeakMap<Position, ExitLevels>,
): ExitVerdict {
  if (p.maxCycleMs !== null && now - position.openedAt >= p.maxCycleMs) return { exit: 'timeLimit' };
  let l = cache?.get(position);
  if (l === undefined) {
    l = levels(p, position);
    cache?.set(position, l);
  }
  // Most ticks find the price between the stop and the arming price with nothing remembered.
  if (memory.belowSince === undefined && memory.peak === undefined && price > l.quietAbove && price < l.quietBelow) return NOTHING;
  const exact = new Decimal(price);
  let next: DcaMemory = memory;
  let changed = false;
  if (l.stop !== null) {
    const below = exact.lte(l.stop);
    if (below && p.stopLossTimeoutMs <= 0) return { exit: 'stopLoss' };
    if (below && memory.belowSince !== undefined && now - memory.belowSince >= p.stopLossTimeoutMs) return { exit: 'stopLoss' };
    if (below && memory.belowSince === undefined) {
      next = { ...next, belowSince: now };
      changed = true;
    } else if (!below && memory.belowSince !== undefined) {
      const { belowSince: _cleared, ...rest } = next;
      next = rest;
      changed = true;
    }
  }
  if (l.arm !== null && p.trailingTakeProfitPct !== null) {
    const peak = memory.peak === undefined ? null : new Decimal(memory.peak);
    if (peak !== null && exact.lte(trailingExitPrice(peak, p.trailingTakeProfitPct))) return { exit: 'trailingTakeProfit' };
    if ((peak === null && exact.gte(l.arm)) || (peak !== null && exact.gt(peak))) {
      next = { ...next, peak: str(exact) };
      changed = true;
    }
  }
  return changed ? { memory: next } : NOTHING;
}
