/**
 * Type-checked only: the declarations of every entry load with skipLibCheck off, under
 * `lib: ["ES2022"]` and @types/node — no DOM lib — and `cycle-engine/testing` without vitest
 * installed.
 */
import type { CycleEngineOptions, MarketOrderRequest } from 'cycle-engine';
import type { CcxtExchangeLike, CcxtExchangeOptions } from 'cycle-engine/ccxt';
import type { PostgresLockOptions, PostgresStateStoreOptions } from 'cycle-engine/postgres';
import type { RedisLockOptions, RedisStateStoreOptions } from 'cycle-engine/redis';
import type { CollectMetricsOptions, MetricsHandle } from 'cycle-engine/metrics';
import type { BacktestOptions, BacktestResult, SweepOptions } from 'cycle-engine/backtest';
import type { ExchangeSuiteOptions, LockSuiteOptions, StateStoreSuiteOptions } from 'cycle-engine/testing';

export type Everything = [
  CycleEngineOptions,
  MarketOrderRequest,
  CcxtExchangeLike,
  CcxtExchangeOptions,
  PostgresLockOptions,
  PostgresStateStoreOptions,
  RedisLockOptions,
  RedisStateStoreOptions,
  ExchangeSuiteOptions,
  LockSuiteOptions,
  StateStoreSuiteOptions,
  CollectMetricsOptions,
  MetricsHandle,
  BacktestOptions,
  BacktestResult,
  SweepOptions,
];
