import { expect, it } from 'vitest';
import { WriteUnknownError } from 'cycle-engine';
import { describeStateStore, sampleRecords } from 'cycle-engine/testing';
import { InProcessKeyValue, KeyValueStateStore } from '../../examples/custom-state-store';

describeStateStore('KeyValueStateStore (examples/custom-state-store.ts)', () => new KeyValueStateStore(new InProcessKeyValue()));

it('a put whose answer is lost is an unknown write (WriteUnknownError), never null', async () => {
  const service = new InProcessKeyValue();
  const lossy = Object.assign(Object.create(service) as InProcessKeyValue, {
    putIf: async (key: string, ifRevision: number, text: string) => {
      await service.putIf(key, ifRevision, text); // applied …
      throw new Error('socket hang up'); // … but the answer never came
    },
  });
  const record = sampleRecords('ETH/USDT').idle;
  await expect(new KeyValueStateStore(lossy).compareAndSet('ETH/USDT', null, record)).rejects.toBeInstanceOf(WriteUnknownError);
  expect(await new KeyValueStateStore(service).get('ETH/USDT')).toEqual({ version: 1, value: record });
});
