/**
 * cycle-engine/testing: the conformance suites our adapters pass, for yours. Each registers its
 * cases with vitest (an optional peer dependency of this entry), so a test file of a few lines
 * checks a store, a lock or an exchange adapter:
 *
 * ```ts
 * import { describeStateStore } from 'cycle-engine/testing';
 * describeStateStore('DynamoStateStore', () => new DynamoStateStore(table));
 * ```
 *
 * @packageDocumentation
 * @module cycle-engine/testing
 */
export { describeStateStore } from './state-store-suite';
export type { StateStoreSuiteOptions } from './state-store-suite';
export { describeLock } from './lock-suite';
export type { LockSuiteOptions } from './lock-suite';
export { describeExchange } from './exchange-suite';
export type { ExchangeFixture, ExchangeSuiteOptions } from './exchange-suite';
export { randomKey, randomClientOrderId, sampleRecords, samplePortfolio } from './fixtures';
export type { SampleRecordName, SampleRecords } from './fixtures';
