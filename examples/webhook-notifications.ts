/**
 * Notifications on every rebuy and close (and on what needs a human: unknown outcomes, position
 * mismatches, errors), posted to a webhook as Telegram-style messages.
 *
 *   TELEGRAM_BOT_TOKEN=… TELEGRAM_CHAT_ID=… npx tsx examples/webhook-notifications.ts
 *   WEBHOOK_URL=https://example.com/hook npx tsx examples/webhook-notifications.ts
 *
 * The body is Telegram's `sendMessage` shape, `{ chat_id, text, parse_mode: 'HTML' }`, so the
 * Bot API takes it as it is; any other webhook gets the same JSON.
 */
import { pathToFileURL } from 'node:url';
import { CycleEngine, MemoryLock, MemoryStateStore, PaperExchange, dca, type CycleEngineEvents } from 'cycle-engine';

/** Events worth a message by default: every buy and close, and what needs a human. */
export const DEFAULT_NOTIFY: ReadonlyArray<keyof CycleEngineEvents> = [
  'cycle:activated',
  'cycle:rebought',
  'cycle:partiallySold',
  'cycle:closed',
  'order:unknown',
  'cycle:positionMismatch',
  'error',
];

/** Options of {@link forwardToWebhook}. */
export interface WebhookOptions {
  /** Where messages are POSTed (Telegram: `https://api.telegram.org/bot<token>/sendMessage`). */
  readonly url: string;
  /** `chat_id` of the body (Telegram needs it; other webhooks may ignore it). */
  readonly chatId?: string | number;
  /** Events to forward (default {@link DEFAULT_NOTIFY}). */
  readonly events?: ReadonlyArray<keyof CycleEngineEvents>;
  /** Told when a message could not be delivered; the engine is never affected. Default: stderr. */
  readonly onError?: (error: unknown, text: string) => void;
  /** Per message, ms (default 10 s). */
  readonly timeoutMs?: number;
}

/** A webhook forwarder: `flush()` waits for the messages sent so far, `detach()` stops listening. */
export interface WebhookForwarder {
  flush(): Promise<void>;
  detach(): void;
}

const esc = (s: unknown) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const unit = (symbol: string, side: 0 | 1) => esc(symbol.split('/')[side] ?? '');
const num = (value: string) => esc(Number(value).toLocaleString('en-US', { maximumSignificantDigits: 10 }));

/** The message text of one event (Telegram HTML), or null for an event it has no text for. */
export function notificationText<K extends keyof CycleEngineEvents>(name: K, e: Parameters<CycleEngineEvents[K]>[0]): string | null {
  const field = (e as { symbol?: unknown }).symbol;
  const symbol = typeof field === 'string' ? field : '';
  const head = (icon: string, title: string) => `${icon} <b>${esc(symbol)}</b> ${title}`;
  switch (name) {
    case 'cycle:activated': {
      const a = e as Parameters<CycleEngineEvents['cycle:activated']>[0];
      return [head('🟢', 'cycle started'), `Bought ${num(a.baseVolume)} ${unit(symbol, 0)} @ ${num(a.price)}`, `Invested: ${num(a.investedQuote)} ${unit(symbol, 1)}`].join('\n');
    }
    case 'cycle:rebought': {
      const r = e as Parameters<CycleEngineEvents['cycle:rebought']>[0];
      return [
        head('🔵', `rebuy #${r.position.buys - 1}`),
        `Bought ${num(r.boughtBase)} ${unit(symbol, 0)} @ ${num(r.price)} (−${num(r.dropFromStartPct)}% from start)`,
        `Invested: ${num(r.position.investedQuote)} ${unit(symbol, 1)}, avg price ${num(r.position.avgPrice)}`,
      ].join('\n');
    }
    case 'cycle:partiallySold': {
      const s = e as Parameters<CycleEngineEvents['cycle:partiallySold']>[0];
      return [head('🟡', 'sold in part'), `Sold ${num(s.soldBase)} ${unit(symbol, 0)} @ ${num(s.price)}, ${num(s.remainingBase)} left`, `PnL: ${num(s.pnlQuote)} ${unit(symbol, 1)}`].join('\n');
    }
    case 'cycle:closed': {
      const c = e as Parameters<CycleEngineEvents['cycle:closed']>[0];
      const won = !c.pnlQuote.startsWith('-');
      return [
        head(won ? '✅' : '🔻', c.reason === 'takeProfit' ? 'take profit' : 'cycle closed (nothing left to sell)'),
        ...(c.reason === 'takeProfit' ? [`Sold @ ${num(c.price)} after ${c.buys} buy${c.buys === 1 ? '' : 's'}`] : []),
        `PnL: <b>${won ? '+' : ''}${num(c.pnlQuote)} ${unit(symbol, 1)}</b>`,
      ].join('\n');
    }
    case 'order:unknown': {
      const u = e as Parameters<CycleEngineEvents['order:unknown']>[0];
      return [head('⚠️', `${esc(u.purpose)} outcome unknown`), `${esc(u.reason)}: ${esc(u.message)}`, `Looking up <code>${esc(u.clientOrderId)}</code>`].join('\n');
    }
    case 'cycle:positionMismatch': {
      const m = e as Parameters<CycleEngineEvents['cycle:positionMismatch']>[0];
      return [head('🛑', `position mismatch: ${esc(m.action)}`), `Record: ${num(m.heldPerRecord)} ${unit(symbol, 0)}, venue: ${m.heldPerVenue === null ? '?' : num(m.heldPerVenue)}`].join('\n');
    }
    case 'error': {
      const err = e as Parameters<CycleEngineEvents['error']>[0];
      return `❗ <b>${esc(err.code)}</b>${symbol ? ` ${esc(symbol)}` : ''}\n${esc(err.message)}`;
    }
    default:
      return null;
  }
}

/** Forwards the chosen events of `engine` to a webhook, one message at a time and in order. */
export function forwardToWebhook(engine: CycleEngine, options: WebhookOptions): WebhookForwarder {
  const onError = options.onError ?? ((error: unknown) => process.stderr.write(`webhook: ${String(error)}\n`));
  let queue: Promise<void> = Promise.resolve();
  const send = async (text: string) => {
    try {
      const res = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...(options.chatId === undefined ? {} : { chat_id: options.chatId }), text, parse_mode: 'HTML' }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
    } catch (error) {
      onError(error, text);
    }
  };
  const listeners = (options.events ?? DEFAULT_NOTIFY).map((name) => {
    const fn = (e: never) => {
      const text = notificationText(name, e);
      if (text !== null) queue = queue.then(() => send(text));
    };
    engine.on(name, fn as never);
    return [name, fn] as const;
  });
  return {
    flush: () => queue,
    detach: () => {
      for (const [name, fn] of listeners) engine.off(name, fn as never);
    },
  };
}

async function main(): Promise<void> {
  const token = process.env.TELEGRAM_BOT_TOKEN;
  const url = process.env.WEBHOOK_URL ?? (token ? `https://api.telegram.org/bot${token}/sendMessage` : undefined);
  if (!url) throw new Error('set WEBHOOK_URL, or TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID');
  const exchange = new PaperExchange({ prices: { 'ETH/USDT': 3000 }, balances: { USDT: '1000' } });
  const engine = new CycleEngine({
    exchange,
    store: new MemoryStateStore(),
    lock: new MemoryLock(),
    symbols: ['ETH/USDT'],
    strategy: dca({ startQuote: 10, rebuyDropPct: 2, maxRebuys: 5, takeProfitPct: 1.5 }),
    tickIntervalMs: 100,
  });
  const hook = forwardToWebhook(engine, { url, ...(process.env.TELEGRAM_CHAT_ID ? { chatId: process.env.TELEGRAM_CHAT_ID } : {}) });
  await engine.start();
  for (const price of [2930, 3010]) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    exchange.setPrice('ETH/USDT', price); // a rebuy, then a take profit
  }
  await new Promise<void>((resolve) => engine.once('cycle:closed', () => resolve()));
  await engine.stop();
  await hook.flush();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
