/** Observability for the party node: logging, Prometheus metrics and the /health + /metrics server. */
export * from './http.js';
export * from './logger.js';
export * from './metrics.js';
