/** The dbt-style runner's public surface. */
export { runTransform, type TransformOptions, type TransformOutcome, type Verb } from './runner';
export { createClickHouseAdapter } from './adapters/clickhouse';
export { createKnexAdapter } from './adapters/knex';
export { ProjectError } from './errors';
export type { Adapter, Relation, NodeConfig } from './types';
