import { describe, expect, it } from 'vitest';
import { attachLogger } from 'cycle-engine';
import { setup, step } from './support/setup';

function capture() {
  const lines: Array<{ line: string; level: string }> = [];
  return { lines, sink: (line: string, level: string) => lines.push({ line, level }) };
}

describe('attachLogger', () => {
  it('prints the note-style tags and one buy line per buy, with volume, price, drops and invested', async () => {
    const s = setup({ dca: { takeProfitPct: 1 } });
    const { lines, sink } = capture();
    attachLogger(s.engine, sink);
    await step(s);
    s.exchange.setPrice('ETH/USDT', '97');
    await step(s);
    s.exchange.setPrice('ETH/USDT', '110');
    await step(s);
    const text = lines.map((l) => l.line);
    expect(text[0]).toMatch(/^\[START_ASYNC\]\[ETH\] start buy of 10 USDT at ~100: intent persisted \(ce-s-[a-z0-9]+\)/);
    expect(text).toContainEqual(expect.stringMatching(/^\[WORKER\]\[ETH\] sending start buy 10 USDT/));
    expect(text).toContainEqual(expect.stringMatching(/^\[CHECK\]\[ETH\] start buy done → cycle active/));
    const buys = text.filter((l) => l.startsWith('[BUY]'));
    expect(buys).toEqual([
      '[BUY][ETH] #1 start: volume 0.0999 @ 100, drop from last 0%, drop from start 0%, invested 10 USDT',
      // 10 USDT at 97 → 0.103 ETH (step 0.0001) for 9.991 USDT, 0.1% fee in ETH → 0.102897 net.
      '[BUY][ETH] #2 rebuy: volume 0.102897 @ 97, drop from last 3%, drop from start 3%, invested 19.991 USDT',
    ]);
    expect(text).toContainEqual(expect.stringMatching(/^\[SELL\]\[ETH\] take profit @ 110: .* PnL [0-9.]+ USDT, fees 0\.000203 ETH \+ 0\.022297 USDT → cycle closed$/));
    expect(lines.every((l) => l.level === 'info')).toBe(true);
  });

  it('warns on rejected and unknown orders, and prints errors', async () => {
    const s = setup();
    const { lines, sink } = capture();
    attachLogger(s.engine, sink);
    s.exchange.injectFault('reject');
    await step(s);
    s.clock.advance(1_000);
    s.exchange.injectFault('unknown-after');
    await step(s);
    const warned = lines.filter((l) => l.level === 'warn').map((l) => l.line);
    expect(warned).toContainEqual(expect.stringMatching(/^\[WORKER\]\[ETH\] start buy rejected \(INJECTED_FAULT\)/));
    expect(warned).toContainEqual(expect.stringMatching(/^\[CHECK\]\[ETH\] start buy failed/));
    expect(warned).toContainEqual(expect.stringMatching(/^\[WORKER\]\[ETH\] start buy outcome UNKNOWN \(EXCHANGE_UNKNOWN\).*cycle parked/));
    await step(s);
    expect(lines.map((l) => l.line)).toContainEqual(expect.stringMatching(/^\[RECONCILE\]\[ETH\] start buy ce-s-[a-z0-9]+ found after 1 look-up\(s\): filled 0.1 ETH @ 100$/));
  });

  it('prints lock and tick lines only when verbose, and stops when detached', async () => {
    const s = setup();
    const quiet = capture();
    const verbose = capture();
    const detach = attachLogger(s.engine, quiet.sink);
    attachLogger(s.engine, verbose.sink, { verbose: true });
    await step(s);
    expect(quiet.lines.some((l) => l.line.startsWith('[LOCK]'))).toBe(false);
    expect(verbose.lines.filter((l) => l.line.startsWith('[LOCK]'))).toHaveLength(2);
    expect(verbose.lines.some((l) => /^\[TICK\] #1: 1 symbols, 1 orders started/.test(l.line))).toBe(true);
    const before = quiet.lines.length;
    detach();
    s.exchange.setPrice('ETH/USDT', '90');
    await step(s);
    expect(quiet.lines).toHaveLength(before);
  });

  it('accepts an object logger with info/warn/error', async () => {
    const s = setup();
    const seen: string[] = [];
    attachLogger(s.engine, { info: (l) => seen.push(`i ${l}`), warn: (l) => seen.push(`w ${l}`), error: (l) => seen.push(`e ${l}`) });
    await step(s);
    expect(seen[0]).toMatch(/^i \[START_ASYNC\]\[ETH\]/);
  });
});
