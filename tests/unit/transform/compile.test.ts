import { describe, expect, it } from 'vitest';
import { injectCtes } from '../../../src/lib/server/transform/compile';
import {
	configFromProjectBlock,
	defaultConfig,
	mergeConfig
} from '../../../src/lib/server/transform/node-config';

describe('ephemeral CTE injection', () => {
	const ctes = new Map([['__dbt__cte__a', 'select 1 as x']]);

	it('prefixes a plain select', () => {
		expect(injectCtes('select * from __dbt__cte__a', ctes)).toBe(
			'with __dbt__cte__a as (\nselect 1 as x\n)\nselect * from __dbt__cte__a'
		);
	});

	it('merges into a leading WITH, after comments', () => {
		const sql = '-- note\nwith b as (select 2)\nselect * from b, __dbt__cte__a';
		expect(injectCtes(sql, ctes)).toBe(
			'-- note\nwith __dbt__cte__a as (\nselect 1 as x\n),\nb as (select 2)\nselect * from b, __dbt__cte__a'
		);
	});

	it('leaves SQL alone without ephemeral parents', () => {
		expect(injectCtes('select 1', new Map())).toBe('select 1');
	});
});

describe('the config cascade', () => {
	const block = {
		shop: {
			'+materialized': 'view',
			'+tags': ['all'],
			staging: { '+schema': 'staging', tags: ['staging'] },
			marts: { materialized: 'table', finance: { '+schema': 'finance', '+tags': 'money' } }
		}
	};

	it('applies deeper folders over shallower ones, with or without +', () => {
		const config = mergeConfig(
			defaultConfig('model'),
			configFromProjectBlock(block, ['shop', 'marts', 'finance', 'revenue'])
		);
		expect(config.materialized).toBe('table');
		expect(config.schema).toBe('finance');
		expect(config.tags).toEqual(['all', 'money']);
	});

	it('lets YAML and in-file config win, while tags add up', () => {
		const config = mergeConfig(defaultConfig('model'), [
			...configFromProjectBlock(block, ['shop', 'staging', 'stg_orders']),
			{ materialized: 'table', tags: ['yaml'] },
			{ materialized: 'incremental' }
		]);
		expect(config).toMatchObject({
			materialized: 'incremental',
			schema: 'staging',
			tags: ['all', 'staging', 'yaml']
		});
	});

	it('ignores nested folder blocks that are not on the node’s path', () => {
		const config = mergeConfig(defaultConfig('model'), configFromProjectBlock(block, ['shop', 'other', 'x']));
		expect(config.materialized).toBe('view');
		expect(config.schema).toBeUndefined();
	});
});
