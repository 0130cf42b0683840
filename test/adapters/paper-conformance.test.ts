import { PaperExchange, type PaperExchangeOptions } from '../../src/adapters/paper/paper-exchange';
import { describeExchange, type ExchangeFixture } from 'cycle-engine/testing';

function paper(symbol: string, options: PaperExchangeOptions): ExchangeFixture {
  const exchange = new PaperExchange(options);
  return {
    exchange,
    symbol,
    setPrice: (price) => exchange.setPrice(symbol, price),
    injectReject: () => exchange.injectFault('reject'),
    injectInsufficientFunds: (side) => exchange.setBalance(side === 'buy' ? symbol.split('/')[1]! : symbol.split('/')[0]!, '0'),
    // A resting order fills when the price reaches its limit; a ratio fills that share of it.
    fillResting: (sym, clientOrderId, ratio) => {
      const order = exchange.orders.find((o) => o.clientOrderId === clientOrderId);
      if (order?.price === undefined) throw new Error(`no resting order ${clientOrderId}`);
      if (ratio !== undefined) exchange.injectFault({ kind: 'restingPartialFill', ratio }, { clientOrderId });
      exchange.setPrice(sym, order.price);
    },
  };
}

describeExchange('PaperExchange (defaults)', () =>
  paper('ETH/USDT', { prices: { 'ETH/USDT': '2000' }, balances: { USDT: '1000' } }),
);

describeExchange('PaperExchange (coarse step, no fee, no min notional, latency)', () =>
  paper('DOGE/USDT', {
    prices: { 'DOGE/USDT': '0.12345' },
    balances: { USDT: '1000' },
    feeRate: '0',
    latencyMs: 5,
    markets: { 'DOGE/USDT': { amountStep: '1', priceTick: '0.00001', minNotional: '0' } },
  }),
);
