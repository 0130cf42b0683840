/**
 * src/redact.ts, table-driven (issue 14): what is redacted from text, and how errors are cleaned —
 * never the original object, the cause chain copied clean, objects hung on an error dropped.
 */
import { describe, expect, it } from 'vitest';
import { CycleEngineError, OrderRejectedError } from 'cycle-engine';
import { REDACTED, redactError, redactText, redactedCopy, secretsOf } from '../src/redact';

const R = REDACTED;

describe('redactText', () => {
  const cases: Array<[string, string, readonly string[], string]> = [
    ['Binance signed URL: signature, key untouched elsewhere', 'binance GET https://api.binance.com/api/v3/order?timestamp=1&symbol=ETHUSDT&recvWindow=10000&signature=5751abcdef fetch failed', [], `binance GET https://api.binance.com/api/v3/order?timestamp=1&symbol=ETHUSDT&recvWindow=10000&signature=${R} fetch failed`],
    ['signature as the first parameter', 'url?signature=abc&x=1', [], `url?signature=${R}&x=1`],
    ['a form body', 'symbol=ETHUSDT&side=BUY&signature=deadbeef', [], `symbol=ETHUSDT&side=BUY&signature=${R}`],
    ['OKX headers as JSON', '{"OK-ACCESS-KEY":"k123","OK-ACCESS-SIGN":"s+/=9","OK-ACCESS-PASSPHRASE":"pp","Content-Type":"application/json"}', [], `{"OK-ACCESS-KEY":"${R}","OK-ACCESS-SIGN":"${R}","OK-ACCESS-PASSPHRASE":"${R}","Content-Type":"application/json"}`],
    ['Bybit headers as an inspected object', "{ 'X-BAPI-API-KEY': 'k1', 'X-BAPI-SIGN': 'abc', 'X-BAPI-TIMESTAMP': '1' }", [], `{ 'X-BAPI-API-KEY': '${R}', 'X-BAPI-SIGN': '${R}', 'X-BAPI-TIMESTAMP': '1' }`],
    ['an inspected object with bare keys', "{ apiKey: 'K9', secret: \"x'y\", password: 'pw1', symbol: 'ETH/USDT' }", [], `{ apiKey: '${R}', secret: "${R}", password: '${R}', symbol: 'ETH/USDT' }`],
    ['Kraken header lines', 'API-Key: k1\nAPI-Sign: c2lnbg==\nnonce: 5', [], `API-Key: ${R}\nAPI-Sign: ${R}\nnonce: 5`],
    ['Binance key header', 'X-MBX-APIKEY: abcdef', [], `X-MBX-APIKEY: ${R}`],
    ['Authorization with a scheme', 'Authorization: Bearer eyJabc.def', [], `Authorization: ${R}`],
    ['a password in a connection string', 'connect to postgres://app:s3cr%40t@db:5432/x failed', [], `connect to postgres://app:${R}@db:5432/x failed`],
    ['a password in a Redis URL without user', 'redis://:pw@127.0.0.1:6379', [], `redis://:${R}@127.0.0.1:6379`],
    ['the secret values themselves, raw and URL-encoded', 'key=K-12345 sec a+b/c= enc a%2Bb%2Fc%3D', ['K-12345', 'a+b/c='], `key=${R} sec ${R} enc ${R}`],
    ['a value inside an inspected command', "args: [ '3', 'AUTH', 'user', 'hunter2pw' ]", ['hunter2pw'], `args: [ '3', 'AUTH', 'user', '${R}' ]`],
    ['short secrets are not searched for', 'the id is abc', ['abc'], 'the id is abc'],
    ['words that merely contain a name stay', 'assign=1 signatures design: x resign', [], 'assign=1 signatures design: x resign'],
    ['nothing secret: unchanged', 'binance {"code":-2010,"msg":"Account has insufficient balance for requested action."}', ['nope-not-here'], 'binance {"code":-2010,"msg":"Account has insufficient balance for requested action."}'],
    ['already redacted stays as it is', `signature=${R}`, [], `signature=${R}`],
  ];
  for (const [name, input, secrets, expected] of cases) {
    it(name, () => expect(redactText(input, secrets)).toBe(expected));
  }
});

describe('redactedCopy / redactError', () => {
  const leaky = () => {
    const root = Object.assign(new TypeError('connect ECONNREFUSED to https://x/?signature=abc'), { code: 'ECONNREFUSED', port: 1 });
    const mid = new Error('binance GET https://api.binance.com/api/v3/order?signature=ffff NetworkError', { cause: root });
    return Object.assign(mid, { command: { name: 'hello', args: ['AUTH', 'u', 'hunter2pw'] }, request: { headers: { 'X-MBX-APIKEY': 'KEY-1' } } });
  };

  it('copies name, message, stack and primitive properties redacted, drops objects, and cleans the cause chain', () => {
    const original = leaky();
    const copy = redactedCopy(original, ['hunter2pw']) as Error & Record<string, unknown>;
    expect(copy).not.toBe(original);
    expect(copy.name).toBe('Error');
    expect(copy.message).toBe(`binance GET https://api.binance.com/api/v3/order?signature=${R} NetworkError`);
    expect(copy.stack).not.toContain('ffff');
    expect(copy.command).toBeUndefined();
    expect(copy.request).toBeUndefined();
    const cause = copy.cause as Error & Record<string, unknown>;
    expect(cause).not.toBe(original.cause);
    expect(cause).toMatchObject({ name: 'TypeError', message: `connect ECONNREFUSED to https://x/?signature=${R}`, code: 'ECONNREFUSED', port: 1 });
    expect(original.message).toContain('ffff'); // the original is left alone
  });

  it('wraps a foreign error in a CycleEngineError with a clean message and a clean cause', () => {
    const wrapped = redactError(leaky(), ['hunter2pw'], 'binance: findOrder');
    expect(wrapped).toBeInstanceOf(CycleEngineError);
    expect(wrapped.message).toBe(`binance: findOrder: Error: binance GET https://api.binance.com/api/v3/order?signature=${R} NetworkError`);
    expect(JSON.stringify(wrapped)).not.toMatch(/ffff|hunter2pw|KEY-1/);
  });

  it('cleans an error of this library in place, keeping its class and data, replacing its cause with a clean copy', () => {
    const cause = leaky();
    const ours = new OrderRejectedError(`binance refused ce-s-1: ${cause.message}`, { reason: 'INSUFFICIENT_FUNDS', clientOrderId: 'ce-s-1', cause });
    const cleaned = redactError(ours, ['hunter2pw'], 'unused');
    expect(cleaned).toBe(ours);
    expect(cleaned).toMatchObject({ name: 'OrderRejectedError', reason: 'INSUFFICIENT_FUNDS', clientOrderId: 'ce-s-1' });
    expect(cleaned.message).not.toContain('ffff');
    expect(cleaned.cause).not.toBe(cause);
    expect((cleaned.cause as Record<string, unknown>).command).toBeUndefined();
  });

  it('secretsOf reads credential fields and the password of URLs, not the URLs themselves', () => {
    const holder = { apiKey: 'K1', secret: '', options: { connectionString: 'postgres://u:p%40ss@h/db' }, url: 'redis://127.0.0.1:6379' };
    expect(secretsOf(holder, ['apiKey', 'secret', 'password', 'options.connectionString', 'url'])).toEqual(['K1', 'p%40ss', 'p@ss']);
  });
});
