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
import { createStagedTable, evictTakenBusinessKeys, settleStagedRows } from './business-keys';
import { checkSourceColumns, countChangesUpTo, extractChanges } from './extract';
import type { Pseudonymiser, SourceRow } from './pseudonymise';
import { ensureRawTables, QUARANTINE_TABLE, rawRelation } from './raw-tables';
import { completeEarlyScan, findRowsWithTextInNumbers, scanEarly, type EarlyScan } from './misread-rows';
import { BLOCK_SIZING_ROWS, loadTableDirect, withdrawRows } from './sqlite-direct';
import { closeStage, openStage } from './stage';
import { validateRow, type ValidationContext } from './validate';
import { advanceWatermarks, ensureWatermarkTable, readWatermarks, type WatermarkAdvance } from './watermarks';

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
	/**
	 * A SQLite table with fewer changed rows takes the JS path all the same: the engine's read pays for
	 * its routing statements (about 0.15 s a table) only above this. Default DIRECT_MIN_ROWS; 0 sends
	 * every table through the engine.
	 */
	directSqliteMinRows?: number;
	/**
	 * Tables the engine reads with at least this many changed rows have their scan for misread rows begun
	 * before any load (misread-rows.ts). Default BLOCK_SIZING_ROWS, the most that is counted.
	 */
	earlyScanMinRows?: number;
	log?: (line: string) => void;
}

/** A night's few hundred changed rows load faster through JavaScript; 18,000 meal orders do not. */
export const DIRECT_MIN_ROWS = 5_000;

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
	// Routing tables and business-key losers live in a stage database for the night.
	await openStage(warehouse);
	const systems = await openSystems(options, log);
	try {
		const early = await startEarlyScans(systems, watermarks, options);
		for (const { tables, failure, ...system } of systems) {
			if (failure !== undefined) {
				for (const table of tables) results.push(failed(table, failure));
				continue;
			}
			const job = { ...system, db: system.db!, context, options, log, early };
			results.push(...(await loadSystem(job, tables, watermarks)));
		}
		// No scan goes on reading a source once the night is over.
		await Promise.allSettled(early.scans.values());
	} finally {
		for (const { db } of systems) await db?.destroy().catch(() => {});
		// Left behind, the next night's openStage drops it anyway.
		await closeStage(warehouse).catch(() => {});
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

/** A system's connection for the night, or why it could not be reached. */
interface OpenSystem {
	tables: DeclaredTable[];
	display: string;
	db?: Knex;
	/** Set when the engine reads this SQLite file itself. */
	sqliteFile?: string;
	failure?: string;
}

/** Each system's database, opened and asked `select 1`: one that cannot be reached fails alone. */
async function openSystems(options: EtlOptions, log: (line: string) => void): Promise<OpenSystem[]> {
	const systems: OpenSystem[] = [];
	for (const connection of [...new Set(options.declarations.map((d) => d.connection))]) {
		const tables = options.declarations.filter((d) => d.connection === connection);
		const spec = options.connections[connection];
		let db: Knex | undefined;
		let display = connection;
		try {
			if (!spec)
				throw new Error(
					`no connection configured for '${connection}' (set SOURCE_${connection.toUpperCase()}_URL)`
				);
			const location = parseSourceLocation(spec);
			display = `${connection} (${location.display})`;
			const direct =
				location.dialect === 'sqlite' &&
				options.warehouse.mode === 'embedded' &&
				options.directSqlite !== false;
			db = openSourceDatabase(location, { readonly: true });
			await db.raw('select 1');
			systems.push({ tables, display, db, sqliteFile: direct ? location.target : undefined });
		} catch (error) {
			const failure = `cannot reach the ${display} database: ${oneLine(error)}`;
			log(`✗ ${failure}`);
			await db?.destroy().catch(() => {});
			systems.push({ tables, display, failure });
		}
	}
	return systems;
}

/** The night's head start on its engine-read tables: their changed rows, counted, and the big ones' scans. */
interface EarlyWork {
	/** Changed rows per source, counted as far as choosing the path needs (countChangesUpTo). */
	changedRows: Map<string, number>;
	/** The scans for misread rows of the tables with the most changed rows, begun before any load. */
	scans: Map<string, Promise<EarlyScan>>;
}

/**
 * Counts the changed rows of every table the engine may read, and begins the scans for misread rows of
 * those with at least BLOCK_SIZING_ROWS of them (the 16M meal orders on a first night), one after the
 * other in the background: they run while the smaller tables load. A table whose count fails is left to
 * its load, which says why.
 */
async function startEarlyScans(
	systems: OpenSystem[],
	watermarks: ReadonlyMap<string, string>,
	options: EtlOptions
): Promise<EarlyWork> {
	const work: EarlyWork = { changedRows: new Map(), scans: new Map() };
	const minRows = options.directSqliteMinRows ?? DIRECT_MIN_ROWS;
	const earlyMinRows = Math.max(minRows, options.earlyScanMinRows ?? BLOCK_SIZING_ROWS);
	let previous: Promise<unknown> = Promise.resolve();
	for (const { tables, db, sqliteFile } of systems) {
		if (db === undefined || sqliteFile === undefined) continue;
		for (const table of tables) {
			const source = sourceName(table);
			const watermark = watermarks.get(source);
			const counted = await countChangesUpTo(db, table, watermark, changeCountLimit(options)).catch(
				() => undefined
			);
			if (counted === undefined) continue;
			work.changedRows.set(source, counted);
			if (counted < earlyMinRows) continue;
			const scan = previous.then(() => scanEarly(db, sqliteFile, table, watermark));
			scan.catch(() => {}); // awaited by the table's load, which reports a failure
			previous = scan.catch(() => {});
			work.scans.set(source, scan);
		}
	}
	return work;
}

/**
 * How far a table's changed rows are counted: enough to choose its path, size the direct load's blocks
 * and decide whether its rows are staged. The early count and the load's own use the same limit.
 */
function changeCountLimit(options: EtlOptions): number {
	return Math.max(options.directSqliteMinRows ?? DIRECT_MIN_ROWS, BLOCK_SIZING_ROWS);
}

/** What an extraction path reports: its counts and the highest cursor value it read. */
export interface Extracted {
	read: number;
	loaded: number;
	quarantined: number;
	maxCursor?: string;
	/** Set when the path found that the good rows it read hold each business key once. */
	goodKeysDistinct?: boolean;
	/** Set when the path settled the business keys of what it loaded itself (settleStagedRows). */
	keysSettled?: boolean;
}

interface TableJob {
	db: Knex;
	display: string;
	/** Set when the engine reads this SQLite file itself. */
	sqliteFile?: string;
	early: EarlyWork;
	table: DeclaredTable;
	watermark: string | undefined;
	context: ValidationContext;
	options: EtlOptions;
	log: (line: string) => void;
}

/**
 * A system's tables, one after the other. Their watermarks move together once all are loaded: a night
 * killed before that loads them again, which changes nothing (rows are keyed), and one insert writes
 * them all (each insert writes a part: 5–12 ms).
 */
async function loadSystem(
	system: Omit<TableJob, 'table' | 'watermark'>,
	tables: DeclaredTable[],
	watermarks: ReadonlyMap<string, string>
): Promise<TableLoad[]> {
	const loads: TableLoad[] = [];
	const advances: WatermarkAdvance[] = [];
	for (const table of tables) {
		const { load, advance } = await loadOneTable({
			...system,
			table,
			watermark: watermarks.get(sourceName(table))
		});
		loads.push(load);
		if (advance) advances.push(advance);
	}
	try {
		await advanceWatermarks(system.options.warehouse, advances, system.options.runId);
	} catch (error) {
		// The rows are in, but the next night would read them again: say so on each table.
		const message = `loaded, but its watermark was not saved: ${oneLine(error)}`;
		for (const load of loads.filter((l) => advances.some((a) => a.source === l.source))) {
			load.error = message;
			system.log(`✗ ${load.source}: ${message}`);
		}
	}
	return loads;
}

/** One table, by either path, and its new watermark (to be written once its rows are in). */
async function loadOneTable(job: TableJob): Promise<{ load: TableLoad; advance?: WatermarkAdvance }> {
	const { table, watermark, options, log } = job;
	const started = performance.now();
	const loadStarted = new Date();
	const source = sourceName(table);
	try {
		await checkSourceColumns(job.db, table, job.display);
		const minRows = options.directSqliteMinRows ?? DIRECT_MIN_ROWS;
		const laterNightWithKeys = table.naturalKey !== undefined && watermark !== undefined;
		// One count serves every choice: the path, the direct load's blocks, and the stage.
		const changedRows =
			job.sqliteFile === undefined && !laterNightWithKeys
				? 0
				: (job.early.changedRows.get(source) ??
					(await countChangesUpTo(job.db, table, watermark, changeCountLimit(options))));
		const direct = job.sqliteFile !== undefined && changedRows >= minRows;
		// A later night's changes, when fewer than a million, wait in a stage table until their business
		// keys are settled: a loser taken back out of raw would cost a mutation (settleStagedRows). A first
		// night's keys are settled in raw, where a second write of every row would cost more.
		const staged = laterNightWithKeys && changedRows < BLOCK_SIZING_ROWS;
		const extracted = direct
			? await loadThroughEngine(job, source, loadStarted, changedRows, staged)
			: await loadThroughJs(job, source, staged);
		const evicted = extracted.keysSettled
			? 0
			: await evictTakenBusinessKeys({
					warehouse: options.warehouse,
					table,
					runId: options.runId,
					source,
					loaded: extracted.loaded,
					loadedKeysDistinct: extracted.goodKeysDistinct,
					loadStarted
				});
		const { read, maxCursor } = extracted;
		const loaded = extracted.loaded - evicted;
		const quarantined = extracted.quarantined + evicted;
		log(`✓ ${source}: read ${read}, loaded ${loaded}, quarantined ${quarantined}`);
		return {
			load: { source, read, loaded, quarantined, seconds: (performance.now() - started) / 1000 },
			advance:
				maxCursor !== undefined && maxCursor !== watermark ? { source, cursorValue: maxCursor } : undefined
		};
	} catch (error) {
		const message = oneLine(error);
		log(`✗ ${source}: ${message}`);
		return { load: { ...failed(table, message), seconds: (performance.now() - started) / 1000 } };
	}
}

/**
 * The engine reads the SQLite file itself. Rows it would misread (text in a number column, which it
 * sees as a number) are found by SQLite meanwhile, taken back and routed by the JS path's rules.
 */
async function loadThroughEngine(
	job: TableJob,
	source: string,
	loadStarted: Date,
	changedRows: number,
	stageGoodRows: boolean
): Promise<Extracted> {
	const { table, watermark, options } = job;
	const { warehouse, runId } = options;
	const early = job.early.scans.get(source);
	const [extracted, scanned] = await loadTableDirect({
		warehouse,
		file: job.sqliteFile!,
		table,
		watermark,
		context: job.context,
		key: options.key,
		runId,
		source,
		changedRows,
		stageGoodRows,
		meanwhile: async () =>
			early === undefined ? findRowsWithTextInNumbers(job.db, job.sqliteFile!, table, watermark) : []
	});
	const misread =
		early === undefined ? scanned : await completeEarlyScan(job.db, table, watermark, await early);
	if (misread.length === 0) return extracted;
	// Routed again through JavaScript straight into raw, where the settlement will look at them too.
	await withdrawRows(
		warehouse,
		table,
		source,
		{ runId, loadStarted },
		misread.map((row) => row[table.primaryKey])
	);
	await routeRows(job, source, misread, new Date().toISOString());
	const [{ n } = { n: '0' }] = await warehouse.query<{ n: string }>(
		`SELECT count() AS n FROM ${QUARANTINE_TABLE} WHERE source = {source:String} AND run_id = {run:String}`,
		{ source, run: runId }
	);
	return { ...extracted, loaded: extracted.read - Number(n), quarantined: Number(n), keysSettled: false };
}

/**
 * The JavaScript path: keyset pages through knex, pseudonymised and validated in memory. With
 * `stageGoodRows` the good rows wait in a stage table until their business keys are settled.
 */
async function loadThroughJs(job: TableJob, source: string, stageGoodRows: boolean): Promise<Extracted> {
	const { table, watermark } = job;
	const { warehouse } = job.options;
	const result: Extracted = { read: 0, loaded: 0, quarantined: 0, maxCursor: watermark };
	const loadedAt = new Date().toISOString();
	const staged = stageGoodRows ? await createStagedTable(warehouse, table) : undefined;
	for await (const page of extractChanges(job.db, table, watermark)) {
		result.read += page.length;
		for (const row of page) {
			const cursorValue = String(row[table.cursor]);
			if (result.maxCursor === undefined || cursorValue > result.maxCursor) result.maxCursor = cursorValue;
		}
		const routed = await routeRows(job, source, page, loadedAt, staged);
		result.loaded += routed.loaded;
		result.quarantined += routed.quarantined;
	}
	if (staged === undefined) return result;
	const evicted = await settleStagedRows({ warehouse, table, source, staged });
	return {
		...result,
		loaded: result.loaded - evicted,
		quarantined: result.quarantined + evicted,
		keysSettled: true
	};
}

/** Pseudonymises and validates source rows, and writes each to raw (or `goodRowsInto`) or to the quarantine. */
async function routeRows(
	job: TableJob,
	source: string,
	rows: SourceRow[],
	loadedAt: string,
	goodRowsInto: string = rawRelation(job.table)
): Promise<{ loaded: number; quarantined: number }> {
	const { table, context } = job;
	const { warehouse, pseudonymiser, runId } = job.options;
	const good: unknown[][] = [];
	const bad: Record<string, unknown>[] = [];
	for (const row of rows) {
		const values = pseudonymiser.toRawValues(table, row);
		const rejection = validateRow(table, row, context);
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
		good.push([...values, deleted ? 1 : 0, versionOf(String(row[table.cursor])), loadedAt, runId]);
	}
	if (good.length > 0) {
		await warehouse.insert(goodRowsInto, good, {
			format: 'JSONCompactEachRow',
			columns: [...rawColumnNames(table), '_deleted', '_version', '_loaded_at', '_run_id']
		});
	}
	if (bad.length > 0) await warehouse.insert(QUARANTINE_TABLE, bad);
	return { loaded: good.length, quarantined: bad.length };
}

function rawColumnNames(table: DeclaredTable): string[] {
	return rawColumns(table).map((c) => c.name);
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
