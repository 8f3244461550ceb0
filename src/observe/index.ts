/** Observability for the party node: logging, Prometheus metrics and the /health + /metrics server. */

export * from '../runtime/logger.js';
export * from './http.js';
export * from './metrics.js';
