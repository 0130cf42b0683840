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
