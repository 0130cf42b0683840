/**
 * ccxt balances → the port's free amounts, as exact decimal strings.
 */
import { Decimal, parseDecimal, str } from '../../decimal';
import type { Balances } from '../../ports/exchange';

/** Binance's raw `balances: [{ asset, free, locked }]`, exact. */
function rawFreeBalances(info: unknown): Map<string, Decimal> {
  const out = new Map<string, Decimal>();
  const rows = (info as { balances?: unknown } | null)?.balances;
  if (!Array.isArray(rows)) return out;
  for (const row of rows as Array<Record<string, unknown>>) {
    const free = parseDecimal(row.free);
    if (typeof row.asset === 'string' && free !== undefined) out.set(row.asset, free);
  }
  return out;
}

/**
 * The free amount of each asset asked, from a ccxt `fetchBalance` answer: Binance's raw strings
 * where present, else ccxt's `free` float through its shortest decimal form; `'0'` for an asset
 * not held.
 * @internal
 */
export function freeBalances(balance: { free?: Record<string, number | undefined> | undefined; info?: unknown }, assets: readonly string[]): Balances {
  const raw = rawFreeBalances(balance.info);
  const out: Balances = {};
  for (const asset of new Set(assets)) {
    const float = balance.free?.[asset];
    const free = raw.get(asset) ?? (typeof float === 'number' && Number.isFinite(float) ? new Decimal(String(float)) : undefined);
    out[asset] = free === undefined || free.isNeg() ? '0' : str(free);
  }
  return out;
}
