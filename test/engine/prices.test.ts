/**
 * Issue 9, case 15: `fetchPrices` returning strings, an array or venue ids instead of unified
 * symbols is an InvalidExchangeResponseError, not a silent "no price"; a bad entry costs only its
 * own symbol its price.
 */
import { describe, expect, it } from 'vitest';
import { InvalidExchangeResponseError } from '../../src/errors';
import { checkPrices } from '../../src/engine/prices';

const asked = ['ETH/USDT', 'BTC/USDT'];

describe('checkPrices (issue 9, case 15)', () => {
  it.each<[string, unknown, Record<string, number>, string[]]>([
    ['a clean answer', { 'ETH/USDT': 3000, 'BTC/USDT': 60000 }, { 'ETH/USDT': 3000, 'BTC/USDT': 60000 }, []],
    ['a symbol without a price now', { 'ETH/USDT': 3000 }, { 'ETH/USDT': 3000 }, []],
    ['an explicit undefined', { 'ETH/USDT': 3000, 'BTC/USDT': undefined }, { 'ETH/USDT': 3000 }, []],
    ['an empty answer', {}, {}, []],
    ['unified symbols not asked for (ignored)', { 'ETH/USDT': 3000, 'SOL/USDT': 150 }, { 'ETH/USDT': 3000 }, []],
    ['a string price', { 'ETH/USDT': '3000', 'BTC/USDT': 60000 }, { 'BTC/USDT': 60000 }, ['ETH/USDT: price is "3000" (a string)']],
    ['strings for every price', { 'ETH/USDT': '3000', 'BTC/USDT': '60000' }, {}, ['ETH/USDT', 'BTC/USDT']],
    ['NaN, 0 and a negative price', { 'ETH/USDT': Number.NaN, 'BTC/USDT': 0 }, {}, ['ETH/USDT: price is NaN', 'BTC/USDT: price is 0']],
    ['an array', [3000, 60000], {}, ['got an array']],
    ['null', null, {}, ['got null']],
    ['a string', '3000', {}, ['got string']],
    ['a Map', new Map([['ETH/USDT', 3000]]), {}, ['got object']],
    ['venue ids', { ETHUSDT: 3000, BTCUSDT: 60000 }, {}, ['"ETHUSDT", "BTCUSDT" are not unified symbols']],
    ['one venue id beside a good price', { 'ETH/USDT': 3000, BTCUSDT: 60000 }, { 'ETH/USDT': 3000 }, ['"BTCUSDT"']],
  ])('%s', (_case, raw, prices, problems) => {
    const r = checkPrices(asked, raw, 'binance.fetchPrices');
    expect(r.prices).toEqual(prices);
    expect(r.problems).toHaveLength(problems.length === 0 ? 0 : r.problems.length);
    for (const p of problems) expect(r.problems.join('; ')).toContain(p);
    if (problems.length === 0) expect(r.error).toBeNull();
    else {
      expect(r.error).toBeInstanceOf(InvalidExchangeResponseError);
      expect(r.error?.message).toContain('binance.fetchPrices answered with invalid prices');
    }
  });

  it('reports every problem of one answer in one error', () => {
    const r = checkPrices(asked, { 'ETH/USDT': '1', 'BTC/USDT': -1, ETHUSDT: 1 });
    expect(r.problems).toHaveLength(3);
    expect(r.error?.message.split('; ')).toHaveLength(3);
  });
});
