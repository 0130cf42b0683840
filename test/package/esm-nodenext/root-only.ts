/**
 * Type-checked only, with `"types": []` (tsconfig.no-types.json): the root entry's declarations,
 * which use Node's AbortSignal, reference Node's types themselves; nothing here needs the DOM lib.
 * (The subpath entries get Node's types from pg's and ioredis' declarations as well.)
 */
import type { CycleEngineOptions, Exchange, MarketOrderRequest } from 'cycle-engine';

export type RootEntry = [CycleEngineOptions, Exchange, MarketOrderRequest];
