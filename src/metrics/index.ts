/**
 * Prometheus metrics for cycle-engine, with `prom-client` (an optional peer dependency: install
 * it to use this entry): `collectMetrics(engine, { registry })`.
 *
 * @packageDocumentation
 * @module cycle-engine/metrics
 */
export { collectMetrics } from './collect-metrics';
export type { CollectMetricsOptions, MetricsHandle, MetricsEngine } from './collect-metrics';
