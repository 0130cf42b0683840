import { describe, expect, it } from 'vitest';
import { assertCycleRecord } from '../../src/ports/record';
import { randomClientOrderId, randomKey, sampleRecords } from '../../src/testing';

describe('testing fixtures', () => {
  it.each(Object.entries(sampleRecords()))('sample record %s is a valid cycle record', (name, record) => {
    expect(() => assertCycleRecord(name, record)).not.toThrow();
  });

  it('random keys and client order ids do not repeat, and ids fit Binance rules', () => {
    const ids = Array.from({ length: 1000 }, () => randomClientOrderId());
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[.A-Z:/a-z0-9_-]{1,36}$/);
    expect(randomKey()).not.toBe(randomKey());
    expect(() => randomClientOrderId('x'.repeat(16))).toThrow(RangeError);
  });
});
