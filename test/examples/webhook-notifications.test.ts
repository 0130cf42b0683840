import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptStateError } from 'cycle-engine';
import { forwardToWebhook, notificationText } from '../../examples/webhook-notifications';
import { setup, step } from '../support/setup';

/** A webhook on 127.0.0.1 that records every POSTed JSON body and answers `status()`. */
let server: Server;
let url: string;
let bodies: Array<{ chat_id?: string; text: string; parse_mode: string }>;
let status: () => number;
beforeEach(async () => {
  bodies = [];
  status = () => 200;
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      bodies.push(JSON.parse(raw));
      const code = status();
      res.writeHead(code, { 'content-type': 'application/json' }).end(code === 200 ? '{"ok":true}' : '{"ok":false}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bot123/sendMessage`;
});
afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('forwardToWebhook (examples/webhook-notifications.ts)', () => {
  it('posts a Telegram-style message for the start, every rebuy and the close, in order', async () => {
    const s = setup({ dca: { takeProfitPct: 1 } });
    const hook = forwardToWebhook(s.engine, { url, chatId: '42' });
    await step(s);
    s.exchange.setPrice('ETH/USDT', '97');
    await step(s);
    s.exchange.setPrice('ETH/USDT', '94');
    await step(s);
    s.exchange.setPrice('ETH/USDT', '110');
    await step(s);
    await hook.flush();
    expect(bodies.every((b) => b.chat_id === '42' && b.parse_mode === 'HTML')).toBe(true);
    const texts = bodies.map((b) => b.text);
    expect(texts).toHaveLength(4);
    expect(texts[0]).toBe('🟢 <b>ETH/USDT</b> cycle started\nBought 0.0999 ETH @ 100\nInvested: 10 USDT');
    expect(texts[1]).toMatch(/^🔵 <b>ETH\/USDT<\/b> rebuy #1\nBought 0\.102897 ETH @ 97 \(−3% from start\)\nInvested: 19\.991 USDT, avg price /);
    expect(texts[2]).toMatch(/^🔵 <b>ETH\/USDT<\/b> rebuy #2\n/);
    expect(texts[3]).toMatch(/^✅ <b>ETH\/USDT<\/b> take profit\nSold @ 110 after 3 buys\nPnL: <b>\+[0-9.]+ USDT<\/b>$/);
  });

  it('posts errors, escaped, and forwards only the events chosen', async () => {
    const s = setup();
    const hook = forwardToWebhook(s.engine, { url, events: ['error'] });
    await step(s);
    s.engine.emit('error', new CorruptStateError('ETH/USDT', 'bad <json>'));
    await hook.flush();
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.text).toMatch(/^❗ <b>CORRUPT_STATE<\/b>\n.*bad &lt;json&gt;/);
    expect(bodies[0]).not.toHaveProperty('chat_id');
  });

  it('reports a message the webhook refuses and goes on with the next; stops on detach', async () => {
    const s = setup({ dca: { takeProfitPct: 1 } });
    const failed: string[] = [];
    const hook = forwardToWebhook(s.engine, { url, onError: (error) => failed.push(String(error)) });
    status = () => 500;
    await step(s);
    await hook.flush();
    status = () => 200;
    s.exchange.setPrice('ETH/USDT', '97');
    await step(s);
    await hook.flush();
    expect(failed).toEqual(['Error: HTTP 500: {"ok":false}']);
    expect(bodies.map((b) => b.text.split('\n')[0])).toEqual(['🟢 <b>ETH/USDT</b> cycle started', '🔵 <b>ETH/USDT</b> rebuy #1']);
    hook.detach();
    s.exchange.setPrice('ETH/USDT', '110');
    await step(s);
    await hook.flush();
    expect(bodies).toHaveLength(2);
  });
});

describe('notificationText', () => {
  it.each([
    ['order:submitted', { symbol: 'ETH/USDT' }, null],
    ['tick:completed', { tick: 1 }, null],
    ['order:unknown', { symbol: 'ETH/USDT', purpose: 'sell', reason: 'TIMEOUT', message: 'no answer', clientOrderId: 'ce-x-1' }, '⚠️ <b>ETH/USDT</b> sell outcome unknown\nTIMEOUT: no answer\nLooking up <code>ce-x-1</code>'],
    ['cycle:closed', { symbol: 'ETH/BTC', pnlQuote: '-0.0001', reason: 'emptied', price: '0.05', buys: 2 }, '🔻 <b>ETH/BTC</b> cycle closed (nothing left to sell)\nPnL: <b>-0.0001 BTC</b>'],
  ])('%s %j', (name, payload, text) => {
    expect(notificationText(name as never, payload as never)).toBe(text);
  });
});
