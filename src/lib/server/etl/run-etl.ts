/**
 * The nightly load: for each declared table, extract the rows changed since its watermark, remove
 * personal data, validate, load good rows into raw.<system>__<table> and bad ones into the quarantine,
 * then advance the watermark. A system whose database cannot be reached fails alone; the others load
 * and the run is marked partial. Rerunning a night (or one killed half-way) loads the same contents:
 * rows are keyed, quarantine entries too, and watermarks only move after a commit.
 */
import type { Knex } from 'knex';
import type { Areas } from '../areas/types';
import { openSourceDatabase, parseSourceLocation } from '../sources/connection';
import type { Warehouse } from '../warehouse';
import { rawColumns, type DeclaredTable } from './declarations';
import { closeStage, findTextInNumberColumns, loadTableDirect, openStage } from './sqlite-direct';
import { checkSourceColumns, extractChanges } from './extract';
import type { Pseudonymiser, SourceRow } from './pseudonymise';
import { ensureRawTables, QUARANTINE_TABLE } from './raw-tables';
import { validateRow, type Rejection, type ValidationContext } from './validate';
import { advanceWatermark, ensureWatermarkTable, readWatermarks } from './watermarks';

export interface TableLoad {
	source: string;
	read: number;
	loaded: number;
	quarantined: number;
	seconds: number;
	error?: string;
}

export interface EtlResult {
	runId: string;
	status: 'success' | 'partial' | 'failed';
	tables: TableLoad[];
}

export interface EtlOptions {
	warehouse: Warehouse;
	declarations: DeclaredTable[];
	/** Connection string per connection name (config.sources). */
	connections: Record<string, string>;
	pseudonymiser: Pseudonymiser;
	areas: Areas;
	runId: string;
	/** Today in Qingdao, YYYY-MM-DD. */
	today: string;
	/** The key behind the pseudonymiser, for the engine's own HMAC on the direct SQLite path. */
	key: Buffer;
	/**
	 * Let the embedded engine read SQLite sources itself (sqlite() table function) instead of paging
	 * rows through JavaScript. Default true; the results are the same.
	 */
	directSqlite?: boolean;
	log?: (line: string) => void;
}

export async function runEtl(options: EtlOptions): Promise<EtlResult> {
	const { warehouse, declarations, runId } = options;
	const log = options.log ?? (() => {});
	await ensureRawTables(warehouse, declarations);
	await ensureWatermarkTable(warehouse);
	const watermarks = await readWatermarks(warehouse);
	const context: ValidationContext = {
		townships: new Set(options.areas.townships.map((t) => t.code)),
		communities: new Set(options.areas.communities.map((c) => c.code)),
		today: options.today
	};
	const results: TableLoad[] = [];
	// The engine's own reads of SQLite files route rows through a stage database for the night.
	const stage = warehouse.mode === 'embedded' && options.directSqlite !== false;
	if (stage) await openStage(warehouse);
	try {
		for (const connection of [...new Set(declarations.map((d) => d.connection))]) {
			const tables = declarations.filter((d) => d.connection === connection);
			const spec = options.connections[connection];
			let db: Knex | undefined;
			let display = connection;
			let sqliteFile: string | undefined;
			try {
				if (!spec)
					throw new Error(
						`no connection configured for '${connection}' (set SOURCE_${connection.toUpperCase()}_URL)`
					);
				const location = parseSourceLocation(spec);
				display = `${connection} (${location.display})`;
				if (
					location.dialect === 'sqlite' &&
					warehouse.mode === 'embedded' &&
					options.directSqlite !== false
				) {
					sqliteFile = location.target;
				}
				db = openSourceDatabase(location, { readonly: true });
				await db.raw('select 1');
			} catch (error) {
				const message = `cannot reach the ${display} database: ${oneLine(error)}`;
				log(`✗ ${message}`);
				for (const table of tables) results.push(failed(table, message));
				await db?.destroy().catch(() => {});
				continue;
			}
			try {
				for (const table of tables) {
					const watermark = watermarks.get(sourceName(table));
					results.push(
						await loadOneTable({ db, display, sqliteFile, table, watermark, context, options, log })
					);
				}
			} finally {
				await db.destroy();
			}
		}
	} finally {
		// Left behind, the next night's openStage drops it anyway.
		if (stage) await closeStage(warehouse).catch(() => {});
	}
	const failures = results.filter((r) => r.error).length;
	return {
		runId,
		status: failures === 0 ? 'success' : failures === results.length ? 'failed' : 'partial',
		tables: results
	};
}

export function sourceName(table: DeclaredTable): string {
	return `${table.system}.${table.sourceTable}`;
}

/** What an extraction path reports: its counts and the highest cursor value it read. */
export interface Extracted {
	read: number;
	loaded: number;
	quarantined: number;
	maxCursor?: string;
}

interface TableJob {
	db: Knex;
	display: string;
	/** Set when the engine reads this SQLite file itself. */
	sqliteFile?: string;
	table: DeclaredTable;
	watermark: string | undefined;
	context: ValidationContext;
	options: EtlOptions;
	log: (line: string) => void;
}

/** One table, by either path; the watermark moves only after its rows are in. */
async function loadOneTable(job: TableJob): Promise<TableLoad> {
	const { table, watermark, options, log } = job;
	const started = performance.now();
	const source = sourceName(table);
	try {
		await checkSourceColumns(job.db, table, job.display);
		const result = job.sqliteFile
			? await loadTableDirect({
					warehouse: options.warehouse,
					file: job.sqliteFile,
					table,
					watermark,
					context: job.context,
					key: options.key,
					runId: options.runId,
					source,
					findTextInNumbers: () => findTextInNumberColumns(job.db, table, watermark)
				})
			: await loadThroughJs(job, source);
		if (result.maxCursor !== undefined && result.maxCursor !== watermark) {
			await advanceWatermark(options.warehouse, source, result.maxCursor, options.runId);
		}
		log(`✓ ${source}: read ${result.read}, loaded ${result.loaded}, quarantined ${result.quarantined}`);
		const { read, loaded, quarantined } = result;
		return { source, read, loaded, quarantined, seconds: (performance.now() - started) / 1000 };
	} catch (error) {
		const message = oneLine(error);
		log(`✗ ${source}: ${message}`);
		return { ...failed(table, message), seconds: (performance.now() - started) / 1000 };
	}
}

/** The JavaScript path: keyset pages through knex, pseudonymised and validated in memory. */
async function loadThroughJs(job: TableJob, source: string): Promise<Extracted> {
	const { table, watermark, context } = job;
	const { warehouse, pseudonymiser, runId } = job.options;
	const result: Extracted = { read: 0, loaded: 0, quarantined: 0, maxCursor: watermark };
	const rawName = `${table.rawSchema}.${table.rawTable}`;
	// A first load has nothing to collide with in raw; skipping the lookup keeps it fast.
	const rawHasRows =
		Number((await warehouse.query<{ n: string }>(`SELECT count() AS n FROM ${rawName}`))[0]?.n ?? 0) > 0;
	const loadedAt = new Date().toISOString();
	for await (const page of extractChanges(job.db, table, watermark)) {
		result.read += page.length;
		const duplicates = table.naturalKey
			? await findDuplicateKeys(warehouse, table, page, rawHasRows)
			: new Set<unknown>();
		const good: unknown[][] = [];
		const bad: Record<string, unknown>[] = [];
		for (const row of page) {
			const cursorValue = String(row[table.cursor]);
			if (result.maxCursor === undefined || cursorValue > result.maxCursor) result.maxCursor = cursorValue;
			const values = pseudonymiser.toRawValues(table, row);
			const rejection: Rejection | undefined =
				validateRow(table, row, context) ??
				(duplicates.has(row[table.primaryKey])
					? {
							reason: 'duplicate_key',
							detail: `${table.naturalKey}=${String(row[table.naturalKey!])} already belongs to another row`
						}
					: undefined);
			if (rejection) {
				bad.push({
					run_id: runId,
					quarantined_at: loadedAt,
					source,
					source_key: String(row[table.primaryKey] ?? ''),
					reason: rejection.reason,
					detail: rejection.detail,
					row: JSON.stringify(Object.fromEntries(rawColumnNames(table).map((name, i) => [name, values[i]])))
				});
				continue;
			}
			const deleted = table.softDelete ? truthy(row[table.softDelete]) : false;
			good.push([...values, deleted ? 1 : 0, versionOf(cursorValue), loadedAt, runId]);
		}
		if (good.length > 0) {
			await warehouse.insert(rawName, good, {
				format: 'JSONCompactEachRow',
				columns: [...rawColumnNames(table), '_deleted', '_version', '_loaded_at', '_run_id']
			});
		}
		if (bad.length > 0) await warehouse.insert(QUARANTINE_TABLE, bad);
		result.loaded += good.length;
		result.quarantined += bad.length;
	}
	return result;
}

function rawColumnNames(table: DeclaredTable): string[] {
	return rawColumns(table).map((c) => c.name);
}

/**
 * Primary keys in the page whose business key is already taken by another row — in the raw layer or
 * earlier in the same page. The first holder keeps the key; later ones are quarantined.
 */
async function findDuplicateKeys(
	warehouse: Warehouse,
	table: DeclaredTable,
	page: SourceRow[],
	lookInRaw: boolean
): Promise<Set<unknown>> {
	const natural = table.naturalKey!;
	const pk = table.primaryKey;
	const keys = [...new Set(page.map((r) => String(r[natural])))];
	const owners = new Map<string, string>();
	const existing = !lookInRaw
		? []
		: await warehouse.query<{ k: string; id: string }>(
				`SELECT toString(${natural}) AS k, toString(min(${pk})) AS id FROM ${table.rawSchema}.${table.rawTable} WHERE toString(${natural}) IN {keys:Array(String)} GROUP BY k`,
				{ keys }
			);
	for (const row of existing) owners.set(row.k, row.id);
	const duplicates = new Set<unknown>();
	for (const row of page) {
		const key = String(row[natural]);
		const id = String(row[pk]);
		const owner = owners.get(key);
		if (owner === undefined) owners.set(key, id);
		else if (owner !== id) duplicates.add(row[pk]);
	}
	return duplicates;
}

function truthy(value: unknown): boolean {
	return value === true || value === 1 || value === '1' || value === 't' || value === 'true';
}

/** The cursor as a ReplacingMergeTree version: seconds since 1970 of its 'YYYY-MM-DD HH:MM:SS' text. */
function versionOf(cursor: string): number {
	const ms = Date.parse(`${cursor.slice(0, 19).replace(' ', 'T')}Z`);
	return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

function failed(table: DeclaredTable, message: string): TableLoad {
	return { source: sourceName(table), read: 0, loaded: 0, quarantined: 0, seconds: 0, error: message };
}

function oneLine(error: unknown): string {
	return ((error as Error)?.message ?? String(error)).split('\n')[0]!.trim();
}
