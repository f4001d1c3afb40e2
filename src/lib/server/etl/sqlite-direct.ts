/**
 * The fast path for SQLite sources on the embedded engine: ClickHouse reads the file itself with its
 * `sqlite()` table function, and the same SQL removes personal data (HMAC-SHA256 computed from the key
 * passed as a server-side parameter, never glued into the query text), validates, and routes each row
 * to raw or to the quarantine — no row passes through JavaScript, and the source is read once.
 *
 * The routing: rows are inserted into a Null table whose materialized views send good rows to raw,
 * bad ones to the quarantine and a tally of both to a small table, all in the one pass. Business keys
 * are settled afterwards (business-keys.ts): in raw on a first night, and in a stage table the good rows
 * wait in on later nights, before they go into raw. Same results as the JS path (run-etl.ts);
 * measured in bench/README.md.
 */
import os from 'node:os';
import type { Warehouse } from '../warehouse';
import { quoteIdentifier as q, quoteLiteral } from '../warehouse';
import {
	columnsToExtract,
	extractedColumns,
	rawColumns,
	type DeclaredColumn,
	type DeclaredTable
} from './declarations';
import { createStagedTable, settleStagedRows } from './business-keys';
import { deleteTonightsVersions, loadTimeParam, QUARANTINE_TABLE, rawRelation, rawType } from './raw-tables';
import type { Extracted } from './run-etl';
import { EVERY_DAY, STAGE_DATABASE } from './stage';
import type { ValidationContext } from './validate';

const BLOCK = 64;

/**
 * The direct load's blocks, in bytes: half the engine's default (256 MB). The engine's allocator gives
 * freed memory back to the kernel within seconds, so the pages of each block are mostly fresh ones to
 * fault in, and a page fault is dear on this kind of virtual machine. Over the 16M meal orders the
 * smaller blocks took 0.7–0.9M page faults instead of 1.3–1.7M, and the load 21–22 s instead of
 * 25–30 s (bench/README.md, 2026-11-29, fourth session).
 */
const INSERT_BLOCK_BYTES = 128 * 1024 * 1024;

/**
 * Below this many changed rows a table's count is known exactly (countChangesUpTo), and its blocks are
 * sized from it. A million rows is about one block of INSERT_BLOCK_BYTES.
 */
export const BLOCK_SIZING_ROWS = 1_000_000;

/** Blocks per table below BLOCK_SIZING_ROWS: enough for the writing to run beside the reading. */
const BLOCKS_PER_SMALLER_TABLE = 4;

/**
 * How the direct load writes `changedRows` rows (the count, capped at BLOCK_SIZING_ROWS). The source
 * is one stream; more insert threads let converting and writing run beside the read. A big table's
 * blocks are gathered by bytes (INSERT_BLOCK_BYTES) rather than the engine's 1M rows: the 16M meal
 * orders make about 10 parts instead of 16, which the engine mostly leaves unmerged during the load
 * (with 16 it merged 6.7M rows meanwhile). A smaller table would fit in one block, written only once
 * it has all been read; in four, the writing runs beside the reading (450,000 applications 0.5
 * instead of 0.7 s, 650,000 people 1.15 instead of 1.35 s). The engine starts a block at whichever
 * bound comes first. Its optimize_on_insert (on by default) drops repeated keys within each block,
 * which a source's primary key never has, and so writes the parts at level 1: FINAL reads their rows
 * without merging them, where level-0 parts must all be merged on every read (a tick's build 13.1
 * against 10.5 s).
 */
export function directLoadWriteSettings(changedRows: number): string {
	const blockRows =
		changedRows < BLOCK_SIZING_ROWS ? Math.max(1, Math.ceil(changedRows / BLOCKS_PER_SMALLER_TABLE)) : 0;
	return `max_insert_threads = ${os.availableParallelism()}, min_insert_block_size_rows = ${blockRows}, min_insert_block_size_bytes = ${INSERT_BLOCK_BYTES}`;
}

/** HMAC's inner and outer padded keys (RFC 2104, SHA-256 block of 64 bytes), as hex for unhex(). */
export function hmacPads(key: Buffer): { ipad: string; opad: string } {
	const block = Buffer.alloc(BLOCK);
	key.copy(block);
	const xor = (byte: number) => Buffer.from(block.map((b) => b ^ byte)).toString('hex');
	return { ipad: xor(0x36), opad: xor(0x5c) };
}

export interface DirectLoadOptions<S> {
	warehouse: Warehouse;
	file: string;
	table: DeclaredTable;
	watermark: string | undefined;
	context: ValidationContext;
	key: Buffer;
	runId: string;
	source: string;
	/** The table's changed rows, counted up to BLOCK_SIZING_ROWS. */
	changedRows: number;
	/** Send the good rows to a stage table and settle their business keys there (settleStagedRows). */
	stageGoodRows: boolean;
	/** Work for this thread while the engine loads on its own (findRowsWithTextInNumbers). */
	meanwhile: () => Promise<S>;
}

/**
 * Takes back what this run wrote for some rows (tonight's version in raw, with a killed night's copy
 * of it, and this run's quarantine entries), so that they can be routed again.
 */
export async function withdrawRows(
	warehouse: Warehouse,
	table: DeclaredTable,
	source: string,
	tonight: { runId: string; loadStarted: Date },
	keys: unknown[]
): Promise<void> {
	const params = {
		run: tonight.runId,
		since: loadTimeParam(tonight.loadStarted),
		source,
		keys: keys.map(String)
	};
	await deleteTonightsVersions(
		warehouse,
		table,
		`toString(${q(table.primaryKey)}) IN {keys:Array(String)}`,
		params
	);
	await warehouse.command(
		`DELETE FROM ${QUARANTINE_TABLE} WHERE source = {source:String} AND run_id = {run:String} AND source_key IN {keys:Array(String)}`,
		params
	);
}

/** The per-table routing objects, named by table only: a rerun drops what a killed run left. */
function stageObjects(table: DeclaredTable) {
	const name = (suffix: string) => `${STAGE_DATABASE}.${q(`${table.rawTable}__${suffix}`)}`;
	return {
		input: name('in'),
		tally: name('tally'),
		toRaw: name('to_raw'),
		toQuarantine: name('to_quarantine'),
		toTally: name('to_tally')
	};
}

/**
 * What the routing adds after the raw columns, in order, with its types in the Null table: the routed
 * insert fills that table by position, so both take their list from here.
 */
const ROUTING_COLUMNS = [
	['_deleted', 'UInt8'],
	['_version', 'UInt64'],
	['_cursor', 'Nullable(String)'],
	['_failed', 'UInt8'],
	['_detail', 'Nullable(String)']
] as const;

/**
 * What the tally keeps of each block the load writes: the rows read and quarantined, the highest
 * cursor and, where the table has a business key, whether the block's good rows hold each key once,
 * and the range of their keys.
 */
function tallyColumns(table: DeclaredTable): string {
	const counts = 'count() AS read, countIf(_failed != 0) AS bad, max(_cursor) AS max_cursor';
	if (!table.naturalKey) return counts;
	const key = q(table.naturalKey);
	// A good row without a key is not counted by uniqExact: its block is not distinct, and raw is asked.
	const keyed = `_failed = 0 AND isNotNull(${key})`;
	return `${counts}, countIf(_failed = 0) AS good,
	uniqExactIf(cityHash64(${key}), _failed = 0) = good AS keys_distinct,
	minIf(${key}, ${keyed}) AS min_key, maxIf(${key}, ${keyed}) AS max_key`;
}

/**
 * The tally summed up. `distinct` is 1 when no business key is held twice by tonight's good rows: each
 * block holds its keys once, and no two blocks' ranges of keys overlap. Keys numbered as rows are made
 * (order numbers) are told so without a look at raw: 0.5–1.0 s less over 16M meal orders on a first
 * night (bench/README.md). Otherwise the business-key settlement looks.
 */
function tallySummary(table: DeclaredTable): string {
	const sums = 'sum(read) AS read, sum(bad) AS bad, max(max_cursor) AS max_cursor';
	if (!table.naturalKey) return `${sums}, 0 AS distinct`;
	return `${sums}, arraySort(groupArrayIf((min_key, max_key), good > 0)) AS ranges,
	min(keys_distinct) = 1 AND arrayAll((later, earlier) -> later.1 > earlier.2, arrayPopFront(ranges), arrayPopBack(ranges)) AS distinct`;
}

/**
 * Loads one table (between openStage and closeStage) while `meanwhile` runs on this thread; returns
 * the counts and what `meanwhile` returned.
 */
export async function loadTableDirect<S>(options: DirectLoadOptions<S>): Promise<[Extracted, S]> {
	const { warehouse, table, runId } = options;
	const pads = hmacPads(options.key);
	const params: Record<string, unknown> = {
		file: options.file,
		source_table: table.sourceTable,
		watermark: options.watermark ?? '',
		ipad: pads.ipad,
		opad: pads.opad,
		townships: [...options.context.townships],
		communities: [...options.context.communities],
		today: options.context.today
	};
	const raw = rawRelation(table);
	const layout = rawColumns(table);
	const rawNames = layout.map((c) => q(c.name));
	const cursor = q(table.cursor);
	const pk = q(table.primaryKey);
	// The rows changed since the watermark: a plain comparison, which the engine hands down to SQLite
	// (the cursor is indexed there), so a night reads only its changes.
	const changed = `SELECT ${extractedColumns(table).map(q).join(', ')}
	FROM sqlite({file:String}, {source_table:String})
	${options.watermark === undefined ? '' : `WHERE ${cursor} >= {watermark:String}`}`;

	const objects = stageObjects(table);
	// Dropped columns are not even read; hashed and dated ones leave `changed` only through the
	// pseudonymising expressions.
	const numeric = await numericSourceColumns(warehouse, params);
	const values = layout.map(({ name, source }) => `${valueExpression(source, numeric)} AS ${q(name)}`);
	const deleted = table.softDelete ? `toUInt8(${isTrue(q(table.softDelete))})` : 'toUInt8(0)';
	const checks = rowChecks(table, pk, numeric);
	// The checks and bookkeeping read the source's own values in an inner query: in the outer one
	// the converted values take the columns' names (a day that does not exist would already be one).
	const checked = `SELECT *, ${deleted} AS _deleted,
	toUInt64(toUnixTimestamp(toDateTime(substring(toString(${cursor}), 1, 19), 'UTC'))) AS _version,
	toString(${cursor}) AS _cursor,
	${failedCheckExpression(checks)} AS _failed,
	${failureDetailExpression(checks)} AS _detail
FROM (${changed})`;
	const routed = `SELECT ${values.join(', ')}, ${ROUTING_COLUMNS.map(([name]) => name).join(', ')}
FROM (${checked})`;

	// The routed columns' types are known (rawType, nullable here), and naming them spares the engine an
	// analysis of the routed query, which the insert makes anyway (12–40 ms a table).
	const inputColumns = [
		...layout.map(({ name, source }) => `${q(name)} ${rawType({ ...source, nullable: true })}`),
		...ROUTING_COLUMNS.map(([name, type]) => `${name} ${type}`)
	];
	await warehouse.command(`CREATE TABLE ${objects.input} (${inputColumns.join(', ')}) ENGINE = Null`);
	const staged = options.stageGoodRows ? await createStagedTable(warehouse, table) : undefined;
	const tallied = tallyColumns(table);
	await warehouse.command(
		`CREATE TABLE ${objects.tally} ENGINE = Memory EMPTY AS SELECT ${tallied} FROM ${objects.input}`
	);
	// Only our own values are written into the views' text: the run id and source name, as literals.
	await warehouse.command(
		`CREATE MATERIALIZED VIEW ${objects.toRaw} TO ${staged ?? raw}
AS SELECT ${[...rawNames, '_deleted', '_version'].join(', ')}, now64(3, 'UTC') AS _loaded_at, ${quoteLiteral(runId)} AS _run_id
FROM ${objects.input} WHERE _failed = 0`
	);
	// The key as text and the reason are wanted for the quarantined rows only, so they are made here
	// rather than for every row. A key converts to itself (integer or text).
	await warehouse.command(
		`CREATE MATERIALIZED VIEW ${objects.toQuarantine} TO ${QUARANTINE_TABLE}
AS SELECT ${quoteLiteral(runId)} AS run_id, now64(3, 'UTC') AS quarantined_at, ${quoteLiteral(options.source)} AS source,
	toString(${pk}) AS source_key, [${checks.map((c) => quoteLiteral(c.reason)).join(', ')}][_failed] AS reason,
	_detail AS detail, trim(formatRowNoNewline('JSONEachRow', ${rawNames.join(', ')})) AS row
FROM ${objects.input} WHERE _failed != 0`
	);
	await warehouse.command(
		`CREATE MATERIALIZED VIEW ${objects.toTally} TO ${objects.tally}
AS SELECT ${tallied} FROM ${objects.input}`
	);
	const [, sideResult] = await alongside(
		warehouse.command(
			`INSERT INTO ${objects.input} ${routed}
SETTINGS ${directLoadWriteSettings(options.changedRows)}, parallel_view_processing = 1`,
			params
		),
		options.meanwhile
	);
	const [tally] = await warehouse.query<{ read: string; bad: string; max_cursor: string; distinct: number }>(
		`SELECT ${tallySummary(table)} FROM ${objects.tally}`
	);
	const read = Number(tally?.read ?? 0);
	let quarantined = Number(tally?.bad ?? 0);
	if (staged) quarantined += await settleStagedRows({ warehouse, table, source: options.source, staged });
	const extracted: Extracted = {
		read,
		loaded: read - quarantined,
		quarantined,
		maxCursor: read > 0 ? tally!.max_cursor : options.watermark,
		goodKeysDistinct: Number(tally?.distinct) === 1,
		keysSettled: staged !== undefined
	};
	return [extracted, sideResult];
}

/**
 * Runs `side` on this thread while the engine works on `statement` on its own (a turn of the event
 * loop first, so the client has handed the statement over); both finish before this returns.
 */
async function alongside<T, S>(statement: Promise<T>, side: () => Promise<S>): Promise<[T, S]> {
	statement.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
	await new Promise((resolve) => setImmediate(resolve));
	let sideResult: S;
	try {
		sideResult = await side();
	} catch (error) {
		await statement.catch(() => {});
		throw error;
	}
	return [await statement, sideResult];
}

/**
 * The source columns sqlite() hands over as numbers (SQLite INTEGER and REAL): they need no text
 * checks, and converting every value to text to check it costs more than reading it.
 */
async function numericSourceColumns(
	warehouse: Warehouse,
	params: Record<string, unknown>
): Promise<ReadonlySet<string>> {
	const columns = await warehouse.query<{ name: string; type: string }>(
		'DESCRIBE TABLE sqlite({file:String}, {source_table:String})',
		params
	);
	return new Set(columns.filter((c) => /^(Nullable\()?(U?Int|Float)\d+\)?$/.test(c.type)).map((c) => c.name));
}

/** sqlite() hands SQLite booleans over as text ('1', '0'); the JS path's truthy() in SQL. */
function isTrue(column: string): string {
	return `lower(ifNull(toString(${column}), '0')) IN ('1', 'true', 't')`;
}

/**
 * A kept column's value as the raw table wants it (hashed and year columns transformed), nullable
 * here whatever the raw column is: a row missing a required value goes to the quarantine, shown with
 * null as the JS path shows it, and never reaches raw.
 */
function valueExpression(column: DeclaredColumn, numeric: ReadonlySet<string>): string {
	const c = q(column.name);
	const type = rawType({ ...column, nullable: true });
	switch (column.pii) {
		case 'hash':
			// HMAC-SHA256(key, upper(trim(value))), as the JS path computes it.
			return `if(isNull(${c}), NULL, lower(hex(SHA256(concat(unhex({opad:String}), SHA256(concat(unhex({ipad:String}), upper(trimBoth(toString(${c}))))))))))`;
		case 'year':
			return `if(isNull(${c}), NULL, toUInt16OrZero(substring(toString(${c}), 1, 4)))`;
		default:
			// SQLite stores money as REAL, and casting a float to Decimal truncates (900.33 is 900.32999…
			// in binary): round to whole fen first, which is exact, then scale back. Text parses exactly.
			if (column.type === 'decimal' && numeric.has(column.name)) {
				return `CAST(toDecimal64(round(${c} * 100), 2) / 100 AS ${type})`;
			}
			if (column.type === 'decimal') return `CAST(toString(${c}) AS ${type})`;
			if (column.type === 'date') return `CAST(substring(toString(${c}), 1, 10) AS ${type})`;
			if (column.type === 'datetime') return `CAST(substring(toString(${c}), 1, 19) AS ${type})`;
			if (column.type === 'boolean') return `CAST(${isTrue(c)} AS ${type})`;
			if (column.type === 'string') return `CAST(toString(${c}) AS ${type})`;
			return `CAST(${c} AS ${type})`;
	}
}

/** One check of a row: the condition under which it fails, the quarantine's reason and detail. */
interface RowCheck {
	fails: string;
	reason: string;
	detail: string;
}

/**
 * The row's checks, in the JS path's order: key, then each column in turn (missing, area code, number,
 * date). Business keys are settled after the load.
 */
function rowChecks(table: DeclaredTable, pk: string, numeric: ReadonlySet<string>): RowCheck[] {
	const checks: RowCheck[] = [
		{ fails: `isNull(${pk})`, reason: 'missing_key', detail: `'${table.primaryKey} is empty'` }
	];
	for (const column of columnsToExtract(table)) {
		const c = q(column.name);
		const text = `toString(${c})`;
		const isNumber = numeric.has(column.name);
		// A number from the source is never empty text nor "not a number".
		const missing = isNumber ? `isNull(${c})` : `isNull(${c}) OR ${text} = ''`;
		if (!column.nullable) {
			checks.push({ fails: missing, reason: 'missing_value', detail: `'${column.name} is empty'` });
		}
		const present = `NOT (${missing})`;
		if (column.area) {
			const list = column.area === 'township' ? 'townships' : 'communities';
			checks.push({
				fails: `${present} AND ${text} NOT IN {${list}:Array(String)}`,
				reason: 'unknown_area_code',
				detail: `concat('${column.name}=', ${text})`
			});
		}
		if (column.type === 'integer' || column.type === 'decimal') {
			// Text in a column SQLite types as a number is found by findRowsWithTextInNumbers instead.
			if (!isNumber) {
				checks.push({
					fails: `${present} AND isNull(toFloat64OrNull(${text}))`,
					reason: 'invalid_value',
					detail: `'${column.name} is not a number'`
				});
			}
			if (column.min !== undefined) {
				const value = isNumber ? c : `toFloat64OrZero(${text})`;
				checks.push({
					fails: `${present} AND ${value} < ${column.min}`,
					reason: 'negative_amount',
					detail: `concat('${column.name}=', ${text}, ' < ${column.min}')`
				});
			}
		}
		if (column.type === 'date' || column.type === 'datetime') {
			const day = `substring(${text}, 1, 10)`;
			checks.push({
				fails: `${present} AND ${day} NOT IN ${EVERY_DAY}`,
				reason: 'invalid_value',
				detail: `'${column.name} is not a date'`
			});
			// A day that exists is written 'YYYY-MM-DD', so text order is time order.
			const shown = column.pii === 'keep' ? `concat('=', ${day})` : `''`;
			checks.push({
				fails: `${present} AND ${day} > {today:String}`,
				reason: 'future_date',
				detail: `concat('${column.name}', ${shown}, ' is after ', {today:String})`
			});
		}
	}
	return checks;
}

/**
 * The number of the first check the row fails (from 1), 0 when it passes them all. A number, not the
 * reason and detail as text: a column of 16M pairs of empty strings for the rows that pass cost more
 * than all the checks (measured in bench/README.md).
 */
function failedCheckExpression(checks: RowCheck[]): string {
	return `multiIf(${checks.map((check, i) => `${check.fails}, ${i + 1}`).join(',\n\t\t')},\n\t\t0)`;
}

/** The failed check's detail, made for the failing rows only; '' for the rows that pass. */
function failureDetailExpression(checks: RowCheck[]): string {
	const details = checks.map((check, i) => `_failed = ${i + 1}, ${check.detail}`).join(',\n\t\t');
	return `if(_failed = 0, '', multiIf(${details},\n\t\t''))`;
}
