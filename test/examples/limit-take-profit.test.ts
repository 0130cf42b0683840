import { expect, it } from 'vitest';
import { runLimitTakeProfit, type Logged } from '../../examples/limit-take-profit';

it('the limit take-profit example walks through a safety buy, a replaced and partly filled take-profit, and a close at its limit', async () => {
  const { steps, record } = await runLimitTakeProfit();
  const at = (price: string): Logged[] => steps.find((s) => s.price === price)!.events;
  const names = (price: string): string[] => at(price).map(([name]) => name);

  expect(steps.flatMap((s) => s.events).filter(([name]) => name === 'error')).toEqual([]);
  // After the start fill: a take-profit and two safety levels rest.
  expect(at('2000').filter(([n]) => n === 'order:placed').map(([, e]) => e)).toHaveLength(3);
  // 1955 crosses level 1 (1960): it fills at its limit; the take-profit is replaced, level 3 placed.
  expect(names('1955')).toEqual(expect.arrayContaining(['cycle:rebought', 'takeProfit:replaced', 'order:cancelled']));
  const replaced = at('1955').find(([n]) => n === 'takeProfit:replaced')![1] as { price: string };
  // 2020 crosses the new take-profit but fills half; 2030 fills the rest, the levels are cancelled, the cycle closes.
  expect(names('2020')).toEqual(['order:partiallyFilled', 'cycle:partiallySold']);
  const closed = at('2030').find(([n]) => n === 'cycle:closed')![1] as { price: string; reason: string };
  expect(closed).toMatchObject({ reason: 'takeProfit', price: replaced.price });
  expect(at('2030').filter(([n]) => n === 'order:cancelled').map(([, e]) => (e as { reason: string }).reason)).toEqual(['closing', 'closing']);
  // 2040 starts the next cycle with the dust carried in; three orders rest again.
  expect(record).toMatchObject({ schema: 2, phase: 'active', closedCycles: 1, dust: null });
  expect(record!.orders.map((o) => `${o.purpose}${o.level ?? ''}:${o.state}`)).toEqual(['takeProfit:open', 'rebuy1:open', 'rebuy2:open']);
});
