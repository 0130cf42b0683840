import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, attachLogger } from 'cycle-engine';
import { fieldsOf, symbolTagger } from '../src/logging/fields';
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

describe('attachLogger with structured loggers', () => {
  /** Records every call of info/warn/error with its arguments. */
  function recorder<T extends object>(extra: T) {
    const calls: Array<{ level: string; args: unknown[] }> = [];
    const at = (level: string) => (...args: unknown[]) => calls.push({ level, args });
    return { calls, logger: { info: at('info'), warn: at('warn'), error: at('error'), ...extra } };
  }
  const pinoLike = () => recorder({ bindings: () => ({}), child: () => undefined });
  const winstonLike = () => recorder({ log: () => undefined, add: () => undefined, transports: [] });

  it('gives a pino logger the fields first and the line second', async () => {
    const s = setup();
    const { calls, logger } = pinoLike();
    attachLogger(s.engine, logger);
    await step(s);
    const submitted = calls.find((c) => (c.args[0] as { event?: string }).event === 'order:submitted');
    expect(submitted?.level).toBe('info');
    const [fields, line] = submitted!.args as [Record<string, unknown>, string];
    expect(fields).toMatchObject({ event: 'order:submitted', symbol: 'ETH/USDT', purpose: 'start', side: 'buy', quoteAmount: '10' });
    expect(fields.cycleId).toEqual(expect.any(String));
    expect(fields.intentId).toEqual(expect.any(String));
    expect(fields.clientOrderId).toMatch(/^ce-s-/);
    expect(line).toMatch(/^\[WORKER\]\[ETH\] sending start buy 10 USDT/);
    expect(calls.every((c) => typeof c.args[0] === 'object' && typeof c.args[1] === 'string')).toBe(true);
  });

  it('gives a winston logger the line first and the fields as meta, with the exchange message as detail', async () => {
    const s = setup();
    const { calls, logger } = winstonLike();
    attachLogger(s.engine, logger);
    s.exchange.injectFault('reject');
    await step(s);
    const rejected = calls.find((c) => String(c.args[0]).startsWith('[WORKER][ETH] start buy rejected'));
    expect(rejected?.level).toBe('warn');
    const meta = rejected!.args[1] as Record<string, unknown>;
    expect(meta).toMatchObject({ event: 'order:rejected', symbol: 'ETH/USDT', purpose: 'start', reason: 'INJECTED_FAULT' });
    expect(meta.detail).toEqual(expect.any(String));
    expect(meta).not.toHaveProperty('message');
  });

  it('calls a plain object logger with the line alone unless told the style', async () => {
    for (const [style, expected] of [
      [undefined, 1],
      ['text', 1],
      ['pino', 2],
      ['winston', 2],
    ] as const) {
      const s = setup();
      const { calls, logger } = recorder({});
      attachLogger(s.engine, logger, { style });
      await step(s);
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.every((c) => c.args.length === expected), String(style)).toBe(true);
      if (style === 'pino') expect((calls[0]!.args[0] as { event: string }).event).toBe('cycle:starting');
      if (style === 'winston') expect((calls[0]!.args[1] as { event: string }).event).toBe('cycle:starting');
    }
  });

  it('gives a function sink the fields, and an error its code and the error itself', async () => {
    const s = setup();
    const seen: Array<{ line: string; level: string; fields: Record<string, unknown> }> = [];
    attachLogger(s.engine, (line, level, fields) => seen.push({ line, level, fields }));
    await step(s);
    expect(seen[0]!.fields).toMatchObject({ event: 'cycle:starting', symbol: 'ETH/USDT', purpose: 'start' });
    const error = new InvalidOptionsError('symbols', 'bad');
    s.engine.emit('error', error);
    const logged = seen.at(-1)!;
    expect(logged.level).toBe('error');
    expect(logged.fields).toEqual({ event: 'error', code: 'INVALID_OPTIONS', errorName: 'InvalidOptionsError', err: error });
  });

  it('tags by the full symbol when two traded symbols share a base', async () => {
    const s = setup({ prices: { 'ETH/USDT': '100', 'ETH/BTC': '0.05', 'BTC/USDT': '20000' }, balances: { USDT: '100000', BTC: '1000' } });
    const { lines, sink } = capture();
    attachLogger(s.engine, sink);
    await step(s);
    const starts = lines.map((l) => l.line).filter((l) => l.startsWith('[START_ASYNC]'));
    expect(starts.map((l) => l.slice(0, l.indexOf(' ')))).toEqual(expect.arrayContaining(['[START_ASYNC][ETH/USDT]', '[START_ASYNC][ETH/BTC]', '[START_ASYNC][BTC]']));
  });

  it('logs an event it does not know, with its fields, and stops on detach', async () => {
    const s = setup();
    const { calls, logger } = pinoLike();
    const detach = attachLogger(s.engine, logger);
    const emit = s.engine.emit as unknown as (name: string, payload: unknown) => boolean;
    const placed = { symbol: 'ETH/USDT', cycleId: 'c1', intentId: 'i1', clientOrderId: 'ce-tp-1', purpose: 'takeProfit', price: '110.5', state: { filledBase: '0' } };
    emit.call(s.engine, 'order:placed', placed);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.level).toBe('info');
    expect(calls[0]!.args).toEqual([{ event: 'order:placed', ...placed }, '[ORDER][ETH] placed cycleId=c1 intentId=i1 clientOrderId=ce-tp-1 purpose=takeProfit price=110.5']);
    emit.call(s.engine, 'takeProfit:replaced', { symbol: 'ETH/USDT', oldPrice: '110', newPrice: '111' });
    expect(calls[1]!.args[1]).toBe('[TAKEPROFIT][ETH] replaced oldPrice=110 newPrice=111');
    detach();
    emit.call(s.engine, 'order:cancelled', { symbol: 'ETH/USDT' });
    await step(s);
    expect(calls).toHaveLength(2);
  });

  it('logs a known event once, not again as an unknown one', async () => {
    const s = setup();
    const { lines, sink } = capture();
    attachLogger(s.engine, sink);
    await step(s);
    const starting = lines.filter((l) => l.line.includes('start buy of'));
    expect(starting).toHaveLength(1);
    expect(lines.some((l) => /^\[(CYCLE|ORDER|LOCK|TICK)\]/.test(l.line))).toBe(false);
  });
});

describe('symbolTagger', () => {
  it.each([
    [['ETH/USDT'], 'ETH/USDT', 'ETH'],
    [['ETH/USDT', 'ETH/BTC'], 'ETH/USDT', 'ETH/USDT'],
    [['ETH/USDT', 'ETH/BTC'], 'ETH/BTC', 'ETH/BTC'],
    [['ETH/USDT', 'BTC/USDT'], 'BTC/USDT', 'BTC'],
    [['ETH/USDT'], 'ETH/EUR', 'ETH/EUR'],
    [[], 'XRP/USDT', 'XRP'],
    [['ETH/USDT:USDT', 'ETH/USDT'], 'ETH/USDT', 'ETH/USDT'],
  ])('traded %j: %s is tagged %s', (traded, symbol, tag) => {
    expect(symbolTagger(traded)(symbol)).toBe(tag);
  });
});

describe('fieldsOf', () => {
  it.each([
    ['order:rejected', { symbol: 'A/B', message: 'no', reason: 'X' }, { event: 'order:rejected', symbol: 'A/B', detail: 'no', reason: 'X' }],
    ['x:y', { event: 'inner' }, { event: 'x:y', eventField: 'inner' }],
    ['x:y', undefined, { event: 'x:y' }],
    ['x:y', 'text', { event: 'x:y' }],
  ])('%s %j → %j', (event, payload, fields) => {
    expect(fieldsOf(event, payload)).toEqual(fields);
  });
});
