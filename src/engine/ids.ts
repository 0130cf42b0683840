/**
 * Ids of cycles and intents, and client order ids derived from intents.
 */
import { randomBytes } from 'node:crypto';
import type { OrderPurpose } from '../ports/record';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * A new id: 9 base-36 characters of time (sortable) then 11 random ones (~56 bits).
 * @internal
 */
export function newId(now: number): string {
  const bytes = randomBytes(11);
  let rand = '';
  for (const b of bytes) rand += ALPHABET[b % 36];
  return now.toString(36).padStart(9, '0').slice(-9) + rand;
}

const PURPOSE_TAG: Record<OrderPurpose, string> = { start: 's', rebuy: 'r', takeProfit: 'x', exit: 'e' };

/**
 * The client order id of an intent: `ce-<purpose>-<intentId>`, 25 characters of `[a-z0-9-]`, valid
 * on Binance (≤ 36 of `[.A-Z:/a-z0-9_-]`), OKX (≤ 32 alphanumerics — see the ccxt adapter, which
 * strips the dashes), Bybit and Kraken.
 * @internal
 */
export function clientOrderIdFor(purpose: OrderPurpose, intentId: string): string {
  return `ce-${PURPOSE_TAG[purpose]}-${intentId}`;
}
