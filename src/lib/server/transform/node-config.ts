/**
 * dbt's config cascade: the project file's `models:`/`seeds:` blocks (keyed by project, then folder,
 * then node; keys with `+` are configs, deeper wins), then the YAML `config:` of the node's
 * properties, then `{{ config(...) }}` inside the model. Tags add up instead of replacing.
 */
import type { IncrementalStrategy, NodeConfig } from './types';

/** Config names recognised without a `+` prefix, as dbt does for its own configs. */
const KNOWN_CONFIGS = new Set([
	'enabled',
	'materialized',
	'schema',
	'alias',
	'tags',
	'publish',
	'unique_key',
	'incremental_strategy',
	'engine',
	'order_by',
	'partition_by',
	'primary_key',
	'settings',
	'column_types',
	'severity',
	'meta',
	'full_refresh'
]);

/** An incremental model's strategy; dbt's default is delete+insert with a unique key, else append. */
export function incrementalStrategy(config: NodeConfig): IncrementalStrategy {
	return config.incremental_strategy ?? (config.unique_key ? 'delete+insert' : 'append');
}

export function defaultConfig(kind: 'model' | 'seed'): NodeConfig {
	return { enabled: true, materialized: kind === 'seed' ? 'seed' : 'view', tags: [], publish: false };
}

/** Walks a project config block along the node's fqn, collecting configs at each level. */
export function configFromProjectBlock(
	block: Record<string, unknown>,
	fqn: string[]
): Record<string, unknown>[] {
	const layers: Record<string, unknown>[] = [];
	let level: unknown = block;
	for (const part of fqn) {
		if (!level || typeof level !== 'object') break;
		level = (level as Record<string, unknown>)[part];
		if (!level || typeof level !== 'object') break;
		const layer: Record<string, unknown> = {};
		for (const [key, value] of Object.entries(level as Record<string, unknown>)) {
			if (key.startsWith('+')) layer[key.slice(1)] = value;
			else if (
				KNOWN_CONFIGS.has(key) &&
				(typeof value !== 'object' || value === null || Array.isArray(value))
			) {
				layer[key] = value;
			}
		}
		layers.push(layer);
	}
	return layers;
}

/** Applies layers in order; later layers win, tags accumulate. */
export function mergeConfig(base: NodeConfig, layers: Record<string, unknown>[]): NodeConfig {
	const out: NodeConfig = { ...base, tags: [...base.tags] };
	for (const layer of layers) {
		for (const [key, value] of Object.entries(layer)) {
			if (key === 'tags') {
				for (const tag of Array.isArray(value) ? value : [value]) {
					if (!out.tags.includes(String(tag))) out.tags.push(String(tag));
				}
			} else {
				out[key] = value;
			}
		}
	}
	return out;
}
