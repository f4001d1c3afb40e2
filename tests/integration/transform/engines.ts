/**
 * The engines the runner's integration tests run on, behind one small shape: an adapter to hand the
 * runner, a way to read rows back (values normalised to plain strings and numbers so engines compare),
 * and cleanup. PostgreSQL joins in when TEST_POSTGRES_URL is set.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { createClickHouseAdapter } from '../../../src/lib/server/transform/adapters/clickhouse';
import { createKnexAdapter } from '../../../src/lib/server/transform/adapters/knex';
import type { Adapter } from '../../../src/lib/server/transform/types';
import { openSourceDatabase, parseSourceLocation } from '../../../src/lib/server/sources/connection';
import { createWarehouse } from '../../../src/lib/server/warehouse';

export interface Engine {
	name: string;
	adapter: Adapter;
	/** Rows of a table in the custom schema `layer` (e.g. 'marts' → `<default schema>_marts`). */
	rows(layer: string, table: string, orderBy: string): Promise<Record<string, unknown>[]>;
	/** Every relation the runner made, as `<layer or 'default'>.<name>` (shadow schemas included). */
	tables(): Promise<string[]>;
	close(): Promise<void>;
}

export const POSTGRES_URL = process.env.TEST_POSTGRES_URL;

/**
 * Numbers (and 64-bit integers that arrive as strings) become numbers; dates become YYYY-MM-DD text.
 * Columns named *_code stay as they are: codes are text that only looks numeric.
 */
export function normalise(row: Record<string, unknown>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(row)) {
		if (key.endsWith('_code')) out[key] = value;
		else if (value instanceof Date) out[key] = value.toISOString().slice(0, 10);
		else if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) out[key] = Number(value);
		else if (typeof value === 'bigint') out[key] = Number(value);
		else out[key] = value;
	}
	return out;
}

export async function openClickHouse(): Promise<Engine> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-ch-'));
	const warehouse = await createWarehouse({ mode: 'embedded', path: dir });
	const adapter = createClickHouseAdapter(warehouse, { defaultSchema: 'analytics' });
	return {
		name: 'ClickHouse',
		adapter,
		rows: async (layer, table, orderBy) =>
			(
				await warehouse.query<Record<string, unknown>>(
					`select * from analytics_${layer}.${table} order by ${orderBy}`
				)
			).map(normalise),
		tables: async () =>
			(
				await warehouse.query<{ name: string }>(
					"select concat(database, '.', name) as name from system.tables where database like 'analytics%'"
				)
			).map((r) => layerName(r.name, 'analytics')),
		close: async () => {
			await adapter.close();
			await warehouse.close();
			fs.rmSync(dir, { recursive: true, force: true });
		}
	};
}

export async function openSqlite(): Promise<Engine> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-sqlite-'));
	const db = knex({
		client: 'better-sqlite3',
		connection: { filename: path.join(dir, 'warehouse.sqlite') },
		useNullAsDefault: true,
		pool: { min: 1, max: 1 }
	});
	const adapter = await createKnexAdapter(db, { defaultSchema: 'main' });
	return {
		name: 'SQLite',
		adapter,
		// SQLite schemas are name prefixes: main_marts.elder_orders is the table "main_marts__elder_orders".
		rows: async (layer, table, orderBy) =>
			(
				(await db.raw(`select * from "main_${layer}__${table}" order by ${orderBy}`)) as Record<
					string,
					unknown
				>[]
			).map(normalise),
		tables: async () => {
			const rows = (await db.raw("select name from sqlite_master where type in ('table', 'view')")) as {
				name: string;
			}[];
			return rows
				.filter((r) => !r.name.startsWith('sqlite_') && !r.name.startsWith('meta__'))
				.map((r) => {
					// Leftover shadow and temporary tables keep their full names, so tests can spot them.
					if (r.name.includes('__shadow') || r.name.includes('__dbt_')) return r.name;
					const prefixed = /^main_([^_]+(?:_[^_]+)*?)__(.+)$/.exec(r.name);
					return prefixed ? `${prefixed[1]}.${prefixed[2]}` : `default.${r.name}`;
				});
		},
		close: async () => {
			await adapter.close();
			await db.destroy();
			fs.rmSync(dir, { recursive: true, force: true });
		}
	};
}

export async function openPostgres(): Promise<Engine> {
	const prefix = `rt_${process.pid}_${Date.now().toString(36)}`;
	const db: Knex = openSourceDatabase(parseSourceLocation(POSTGRES_URL!));
	const adapter = await createKnexAdapter(db, { defaultSchema: prefix });
	const ourSchemas = async () =>
		(
			(await db('information_schema.schemata')
				.where('schema_name', 'like', `${prefix}%`)
				.orWhere('schema_name', 'meta')
				.select('schema_name')) as { schema_name: string }[]
		).map((r) => r.schema_name);
	return {
		name: 'PostgreSQL',
		adapter,
		rows: async (layer, table, orderBy) => {
			const result = await db.raw(`select * from "${prefix}_${layer}"."${table}" order by ${orderBy}`);
			return (result.rows as Record<string, unknown>[]).map(normalise);
		},
		tables: async () => {
			const rows = (await db('information_schema.tables')
				.whereIn('table_schema', await ourSchemas())
				.select('table_schema', 'table_name')) as { table_schema: string; table_name: string }[];
			return rows
				.filter((r) => r.table_schema !== 'meta')
				.map((r) => layerName(`${r.table_schema}.${r.table_name}`, prefix));
		},
		close: async () => {
			for (const schema of await ourSchemas()) {
				if (schema !== 'meta') await db.raw('drop schema if exists ?? cascade', [schema]);
			}
			await adapter.close();
			await db.destroy();
		}
	};
}

/** `analytics_marts.x` → `marts.x`; `analytics.x` → `default.x`. */
function layerName(qualified: string, defaultSchema: string): string {
	const [schema, name] = qualified.split('.') as [string, string];
	const layer = schema === defaultSchema ? 'default' : schema.slice(defaultSchema.length + 1);
	return `${layer}.${name}`;
}
