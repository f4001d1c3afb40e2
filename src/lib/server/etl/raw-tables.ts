/**
 * The raw layer's tables in ClickHouse, from the declarations: one ReplacingMergeTree per source
 * table, keyed by its primary key with the cursor as version, so loading a row twice (a rerun, a
 * killed night run again) never doubles it; `FINAL` or the staging models see the latest version.
 * The quarantine keeps rows that failed validation, with their personal data already removed, keyed
 * by (source, key, reason) so that a rerun of the night does not list a bad row twice.
 */
import type { Warehouse } from '../warehouse';
import { quoteIdentifier as q, quoteLiteral, WAREHOUSE_TIMEZONE } from '../warehouse';
import { rawColumns, type DeclaredColumn, type DeclaredTable } from './declarations';

export const QUARANTINE_TABLE = 'meta.quarantine';

/**
 * Min-max skip indexes on the load time, every kept date and the business key: a night's rows sit in
 * the parts it wrote, rows arrive roughly in date order, and business keys are numbered as rows are
 * made. So "rows loaded since the last build", "orders of this month" and "rows holding tonight's
 * order numbers" (the nightly build's incremental marts and tests, the business-key settlement) read a
 * few granules, FINAL included.
 */
function skipIndexes(table: DeclaredTable): { name: string; definition: string }[] {
	const dates = rawColumns(table)
		.filter(({ source }) => source.pii === 'keep' && (source.type === 'date' || source.type === 'datetime'))
		.map((c) => c.name);
	const keys = table.naturalKey ? [table.naturalKey] : [];
	return [...dates, ...keys, '_loaded_at'].map((column) => ({
		name: `${column}_minmax`,
		definition: `${q(`${column}_minmax`)} ${q(column)} TYPE minmax GRANULARITY 1`
	}));
}

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
				// Sources write Qingdao wall-clock time. The zone belongs in the type: a bare DateTime took the
				// session's zone in the process that created the table, but the server's (UTC) once a new
				// process attached it, so after a restart toDate() put 04:00 on 1 January on 31 December.
				type = `DateTime(${quoteLiteral(WAREHOUSE_TIMEZONE)})`;
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

/**
 * A night writes one run id on each of its rows: as plain text that was 16M copies of 24 characters
 * over the meal orders, made, compressed and written (1.8 of 12.5 CPU seconds of writing them).
 */
const RUN_ID_TYPE = 'LowCardinality(String)';

export function rawTableDdl(table: DeclaredTable, onCluster = ''): string {
	const columns = rawColumns(table).map((c) => `${q(c.name)} ${rawType(c.source)}`);
	return [
		`CREATE TABLE IF NOT EXISTS ${rawRelation(table)}${onCluster} (`,
		`  ${[
			...columns,
			'`_deleted` UInt8',
			'`_version` UInt64',
			"`_loaded_at` DateTime64(3, 'UTC')",
			`\`_run_id\` ${RUN_ID_TYPE}`,
			...skipIndexes(table).map((index) => `INDEX ${index.definition}`)
		].join(',\n  ')}`,
		`) ENGINE = ReplacingMergeTree(_version)`,
		`ORDER BY ${q(table.primaryKey)}`
	].join('\n');
}

/** The raw table's quoted name, e.g. `raw`.`elderly__meal_orders`. */
export function rawRelation(table: DeclaredTable): string {
	return `${q(table.rawSchema)}.${q(table.rawTable)}`;
}

/**
 * Tonight's rows in a raw table, with a killed night's copy of them. Parameters: `since`
 * (loadTimeParam of a moment before tonight's load), which finds them in a few granules through the
 * min-max index on _loaded_at, and `run` (the run id).
 */
export const TONIGHTS_ROWS = "_loaded_at >= {since:DateTime64(3, 'UTC')} AND _run_id = {run:String}";

/** A load time as the `since` parameter of TONIGHTS_ROWS: 'YYYY-MM-DD hh:mm:ss.sss', UTC. */
export function loadTimeParam(moment: Date): string {
	return moment.toISOString().replace('T', ' ').slice(0, 23);
}

/**
 * Takes tonight's version of some rows out of raw (a lightweight DELETE), with a killed night's copy of
 * the same version; earlier versions stay. `keys` is a condition on the quoted primary key; it comes
 * first so the mutation skips the parts without those keys. `params` carry TONIGHTS_ROWS's.
 */
export async function deleteTonightsVersions(
	warehouse: Warehouse,
	table: DeclaredTable,
	keys: string,
	params: Record<string, unknown>
): Promise<void> {
	const raw = rawRelation(table);
	const pk = q(table.primaryKey);
	await warehouse.command(
		`DELETE FROM ${raw} WHERE ${keys} AND (${pk}, _version) IN (
	SELECT ${pk}, _version FROM ${raw} WHERE ${TONIGHTS_ROWS} AND ${keys})`,
		params
	);
}

/** The latest `_loaded_at` across the raw tables, as 'YYYY-MM-DD hh:mm:ss.sss' (UTC); undefined when empty. */
export async function latestLoadTime(
	warehouse: Warehouse,
	tables: DeclaredTable[]
): Promise<string | undefined> {
	const maxima = tables.map(
		(t) => `SELECT max(_loaded_at) AS latest FROM ${q(t.rawSchema)}.${q(t.rawTable)}`
	);
	const [row] = await warehouse.query<{ t: string; n: string }>(
		`SELECT toString(max(latest)) AS t, countIf(latest > 0) AS n FROM (${maxima.join(' UNION ALL ')})`
	);
	return row && Number(row.n) > 0 ? row.t : undefined;
}

/**
 * Raw columns an earlier version typed otherwise get today's type, one ALTER each: those of `wanted`
 * (name and type, per table) that system.columns finds matching `outdated`, a condition on its rows.
 */
async function retypeOutdatedColumns(
	warehouse: Warehouse,
	tables: DeclaredTable[],
	outdated: { where: string; params?: Record<string, unknown> },
	wanted: (table: DeclaredTable) => { name: string; type: string }[]
): Promise<void> {
	const found = new Set(
		(
			await warehouse.query<{ id: string }>(
				`SELECT concat(database, '.', table, '.', name) AS id FROM system.columns
				WHERE ${outdated.where} AND database IN {schemas:Array(String)}`,
				{ ...outdated.params, schemas: [...new Set(tables.map((t) => t.rawSchema))] }
			)
		).map((r) => r.id)
	);
	for (const table of tables) {
		for (const { name, type } of wanted(table)) {
			if (!found.has(`${table.rawSchema}.${table.rawTable}.${name}`)) continue;
			await warehouse.command(
				`ALTER TABLE ${rawRelation(table)}${warehouse.onCluster} MODIFY COLUMN ${q(name)} ${type}`
			);
		}
	}
}

export async function ensureRawTables(warehouse: Warehouse, tables: DeclaredTable[]): Promise<void> {
	for (const schema of new Set(tables.map((t) => t.rawSchema))) {
		await warehouse.command(`CREATE DATABASE IF NOT EXISTS ${q(schema)}${warehouse.onCluster}`);
	}
	for (const table of tables) await warehouse.command(rawTableDdl(table, warehouse.onCluster));
	// Date-times made before they carried their zone get it: the same stored instants, now read as
	// Qingdao time by every query (a change of metadata only, measured instant on 16M rows).
	await retypeOutdatedColumns(
		warehouse,
		tables,
		{ where: "type IN ('DateTime', 'Nullable(DateTime)')" },
		(table) => rawColumns(table).map(({ name, source }) => ({ name, type: rawType(source) }))
	);
	// A run id kept as plain text gets the compact type (a mutation, once).
	await retypeOutdatedColumns(
		warehouse,
		tables,
		{ where: "name = '_run_id' AND type != {type:String}", params: { type: RUN_ID_TYPE } },
		() => [{ name: '_run_id', type: RUN_ID_TYPE }]
	);
	// Raw tables made before an index existed get it, and their parts are indexed (a mutation, once).
	const existing = new Set(
		(
			await warehouse.query<{ id: string }>(
				`SELECT concat(database, '.', table, '.', name) AS id FROM system.data_skipping_indices`
			)
		).map((r) => r.id)
	);
	for (const table of tables) {
		for (const index of skipIndexes(table)) {
			if (existing.has(`${table.rawSchema}.${table.rawTable}.${index.name}`)) continue;
			await warehouse.command(
				`ALTER TABLE ${rawRelation(table)}${warehouse.onCluster} ADD INDEX IF NOT EXISTS ${index.definition}`
			);
			await warehouse.command(
				`ALTER TABLE ${rawRelation(table)}${warehouse.onCluster} MATERIALIZE INDEX ${q(index.name)}`
			);
		}
	}
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
