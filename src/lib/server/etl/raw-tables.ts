/**
 * The raw layer's tables in ClickHouse, from the declarations: one ReplacingMergeTree per source
 * table, keyed by its primary key with the cursor as version, so loading a row twice (a rerun, a
 * killed night run again) never doubles it; `FINAL` or the staging models see the latest version.
 * The quarantine keeps rows that failed validation, with their personal data already removed, keyed
 * by (source, key, reason) so that a rerun of the night does not list a bad row twice.
 */
import type { Warehouse } from '../warehouse';
import { quoteIdentifier as q } from '../warehouse';
import { rawColumns, type DeclaredColumn, type DeclaredTable } from './declarations';

export const QUARANTINE_TABLE = 'meta.quarantine';

/** The ClickHouse type of a raw column. */
export function rawType(column: DeclaredColumn, pii: DeclaredColumn['pii'] = column.pii): string {
	let type: string;
	if (pii === 'hash') type = 'String';
	else if (pii === 'year') type = 'UInt16';
	else {
		switch (column.type) {
			case 'integer':
				type = 'Int64';
				break;
			case 'decimal':
				type = 'Decimal(14, 2)';
				break;
			case 'date':
				// Date32: opening dates and registrations reach back before 1970.
				type = 'Date32';
				break;
			case 'datetime':
				type = 'DateTime';
				break;
			case 'boolean':
				type = 'Bool';
				break;
			default:
				type = 'String';
		}
	}
	return column.nullable ? `Nullable(${type})` : type;
}

export function rawTableDdl(table: DeclaredTable, onCluster = ''): string {
	const columns = rawColumns(table).map((c) => `${q(c.name)} ${rawType(c.source)}`);
	return [
		`CREATE TABLE IF NOT EXISTS ${q(table.rawSchema)}.${q(table.rawTable)}${onCluster} (`,
		`  ${[
			...columns,
			'`_deleted` UInt8',
			'`_version` UInt64',
			"`_loaded_at` DateTime64(3, 'UTC')",
			'`_run_id` String'
		].join(',\n  ')}`,
		`) ENGINE = ReplacingMergeTree(_version)`,
		`ORDER BY ${q(table.primaryKey)}`
	].join('\n');
}

export async function ensureRawTables(warehouse: Warehouse, tables: DeclaredTable[]): Promise<void> {
	for (const schema of new Set(tables.map((t) => t.rawSchema))) {
		await warehouse.command(`CREATE DATABASE IF NOT EXISTS ${q(schema)}${warehouse.onCluster}`);
	}
	for (const table of tables) await warehouse.command(rawTableDdl(table, warehouse.onCluster));
	await warehouse.command(`CREATE DATABASE IF NOT EXISTS meta${warehouse.onCluster}`);
	await warehouse.command(
		`CREATE TABLE IF NOT EXISTS ${QUARANTINE_TABLE}${warehouse.onCluster} (
  run_id String,
  quarantined_at DateTime64(3, 'UTC'),
  source String,
  source_key String,
  reason LowCardinality(String),
  detail String,
  row String
) ENGINE = ReplacingMergeTree(quarantined_at) ORDER BY (source, source_key, reason)`
	);
}
