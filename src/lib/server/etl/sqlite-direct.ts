/**
 * The fast path for SQLite sources on the embedded engine: ClickHouse reads the file itself with its
 * `sqlite()` table function, and the same SQL removes personal data (HMAC-SHA256 computed from the key
 * passed as a server-side parameter, never glued into the query text), validates, and routes each row
 * to raw or to the quarantine — no row passes through JavaScript, and the source is read once.
 *
 * The routing: rows are inserted into a Null table whose materialized views send good rows to raw,
 * bad ones to the quarantine and a tally of both to a small table, all in the one pass. Business-key
 * duplicates need the whole batch to decide, so they are settled first from the keys alone (a
 * two-column read) and the verdict looks the losers up. Same results as the JS path (run-etl.ts);
 * measured in bench/README.md.
 */
import os from 'node:os';
import type { Warehouse } from '../warehouse';
import { quoteIdentifier as q, quoteLiteral } from '../warehouse';
import { rawColumns, type DeclaredColumn, type DeclaredTable } from './declarations';
import { QUARANTINE_TABLE, rawType } from './raw-tables';
import type { Extracted } from './run-etl';
import type { ValidationContext } from './validate';

const BLOCK = 64;
/** Where a load's routing tables live while it runs; one load at a time owns them. */
const STAGE_DATABASE = 'etl_stage';

/** HMAC's inner and outer padded keys (RFC 2104, SHA-256 block of 64 bytes), as hex for unhex(). */
export function hmacPads(key: Buffer): { ipad: string; opad: string } {
	const block = Buffer.alloc(BLOCK);
	key.copy(block);
	const xor = (byte: number) => Buffer.from(block.map((b) => b ^ byte)).toString('hex');
	return { ipad: xor(0x36), opad: xor(0x5c) };
}

export interface DirectLoadOptions {
	warehouse: Warehouse;
	file: string;
	table: DeclaredTable;
	watermark: string | undefined;
	context: ValidationContext;
	key: Buffer;
	runId: string;
	source: string;
}

/** The per-table objects of a load, named by table only: a rerun drops what a killed run left. */
function stageObjects(table: DeclaredTable) {
	const name = (suffix: string) => `${STAGE_DATABASE}.${q(`${table.rawTable}__${suffix}`)}`;
	return {
		keys: name('keys'),
		losers: name('losers'),
		input: name('in'),
		tally: name('tally'),
		toRaw: name('to_raw'),
		toQuarantine: name('to_quarantine'),
		toTally: name('to_tally')
	};
}

type StageObjects = ReturnType<typeof stageObjects>;

async function dropStage(warehouse: Warehouse, objects: StageObjects): Promise<void> {
	// Views before the tables they read and write.
	const order = ['toRaw', 'toQuarantine', 'toTally', 'input', 'tally', 'losers', 'keys'] as const;
	for (const key of order) await warehouse.command(`DROP TABLE IF EXISTS ${objects[key]} SYNC`);
}

export async function loadTableDirect(options: DirectLoadOptions): Promise<Extracted> {
	const { warehouse, table, runId } = options;
	const pads = hmacPads(options.key);
	const params = {
		file: options.file,
		source_table: table.sourceTable,
		watermark: options.watermark ?? '',
		ipad: pads.ipad,
		opad: pads.opad,
		townships: [...options.context.townships],
		communities: [...options.context.communities],
		today: options.context.today
	};
	const raw = `${q(table.rawSchema)}.${q(table.rawTable)}`;
	const layout = rawColumns(table);
	const rawNames = layout.map((c) => q(c.name));
	const cursor = q(table.cursor);
	const pk = q(table.primaryKey);
	const sourceColumns = [
		...table.columns.map((c) => c.name),
		...(table.softDelete ? [table.softDelete] : [])
	];
	// The rows changed since the watermark: a plain comparison, which the engine hands down to SQLite
	// (the cursor is indexed there), so a night reads only its changes.
	const changed = (columns: string[]) => `SELECT ${columns.join(', ')}
	FROM sqlite({file:String}, {source_table:String})
	${options.watermark === undefined ? '' : `WHERE ${cursor} >= {watermark:String}`}`;

	const objects = stageObjects(table);
	await warehouse.command(`CREATE DATABASE IF NOT EXISTS ${STAGE_DATABASE}`);
	await dropStage(warehouse, objects);
	try {
		const rawHasRows =
			Number((await warehouse.query<{ n: string }>(`SELECT count() AS n FROM ${raw}`))[0]?.n ?? 0) > 0;
		if (table.naturalKey) {
			await settleKeyDuplicates(
				warehouse,
				objects,
				changed,
				pk,
				q(table.naturalKey),
				rawHasRows ? raw : undefined,
				params
			);
		}

		// Personal data is not selected beyond `changed` except through the pseudonymising expressions.
		const values = layout.map(({ name, source }) => `${valueExpression(source)} AS ${q(name)}`);
		const deleted = table.softDelete ? `toUInt8(${isTrue(q(table.softDelete))})` : 'toUInt8(0)';
		const routed = `SELECT ${values.join(', ')}, ${deleted} AS _deleted,
	toUInt64(toUnixTimestamp(toDateTime(substring(toString(${cursor}), 1, 19), 'UTC'))) AS _version,
	toString(${pk}) AS _source_key, toString(${cursor}) AS _cursor,
	${reasonExpression(table, pk, objects)} AS _verdict
FROM (${changed(sourceColumns.map(q))})`;

		await warehouse.command(`CREATE TABLE ${objects.input} ENGINE = Null EMPTY AS ${routed}`, params);
		await warehouse.command(
			`CREATE TABLE ${objects.tally} (read UInt64, bad UInt64, max_cursor String) ENGINE = Memory`
		);
		// Only our own values are written into the views' text: the run id and source name, as literals.
		await warehouse.command(
			`CREATE MATERIALIZED VIEW ${objects.toRaw} TO ${raw}
AS SELECT ${[...rawNames, '_deleted', '_version'].join(', ')}, now64(3, 'UTC') AS _loaded_at, ${quoteLiteral(runId)} AS _run_id
FROM ${objects.input} WHERE _verdict.1 = ''`
		);
		await warehouse.command(
			`CREATE MATERIALIZED VIEW ${objects.toQuarantine} TO ${QUARANTINE_TABLE}
AS SELECT ${quoteLiteral(runId)} AS run_id, now64(3, 'UTC') AS quarantined_at, ${quoteLiteral(options.source)} AS source,
	_source_key AS source_key, _verdict.1 AS reason, _verdict.2 AS detail,
	trim(formatRowNoNewline('JSONEachRow', ${rawNames.join(', ')})) AS row
FROM ${objects.input} WHERE _verdict.1 != ''`
		);
		await warehouse.command(
			`CREATE MATERIALIZED VIEW ${objects.toTally} TO ${objects.tally}
AS SELECT count() AS read, countIf(_verdict.1 != '') AS bad, max(_cursor) AS max_cursor FROM ${objects.input}`
		);
		// The source is one stream; more insert threads let converting and writing run beside the read.
		await warehouse.command(
			`INSERT INTO ${objects.input} ${routed} SETTINGS max_insert_threads = ${os.availableParallelism()}`,
			params
		);
		const [tally] = await warehouse.query<{ read: string; bad: string; max_cursor: string }>(
			`SELECT sum(read) AS read, sum(bad) AS bad, max(max_cursor) AS max_cursor FROM ${objects.tally}`
		);
		const read = Number(tally?.read ?? 0);
		const quarantined = Number(tally?.bad ?? 0);
		return {
			read,
			loaded: read - quarantined,
			quarantined,
			maxCursor: read > 0 ? tally!.max_cursor : options.watermark
		};
	} finally {
		await dropStage(warehouse, objects);
	}
}

/**
 * Fills `losers` with the primary keys whose business key belongs to another row: a lower primary key
 * in the same batch, or a row already in raw that this batch does not replace (any of its versions,
 * as the JS path's lookup). The first holder keeps the key. Reads only the two key columns.
 */
async function settleKeyDuplicates(
	warehouse: Warehouse,
	objects: StageObjects,
	changed: (columns: string[]) => string,
	pk: string,
	natural: string,
	raw: string | undefined,
	params: Record<string, unknown>
): Promise<void> {
	const keys = `SELECT ${pk} AS pk, toString(${natural}) AS natural FROM (${changed([pk, natural])})`;
	// Created empty, then filled: Memory tables cannot take part in CREATE … AS SELECT's rename.
	await warehouse.command(`CREATE TABLE ${objects.keys} ENGINE = Memory EMPTY AS ${keys}`, params);
	await warehouse.command(`INSERT INTO ${objects.keys} ${keys}`, params);
	await warehouse.command(
		`CREATE TABLE ${objects.losers} ENGINE = Memory EMPTY AS SELECT pk FROM ${objects.keys}`
	);
	const sameBatch = `SELECT arrayJoin(arrayPopFront(arraySort(groupArray(pk)))) AS pk
FROM ${objects.keys} GROUP BY natural HAVING count() > 1`;
	const takenInRaw = `SELECT pk FROM ${objects.keys} WHERE natural IN (
	SELECT toString(${natural}) FROM ${raw}
	WHERE toString(${natural}) IN (SELECT natural FROM ${objects.keys})
		AND ${pk} NOT IN (SELECT pk FROM ${objects.keys}))`;
	await warehouse.command(
		`INSERT INTO ${objects.losers} SELECT DISTINCT pk FROM (${sameBatch}${raw ? `\nUNION ALL ${takenInRaw}` : ''})`
	);
}

/** sqlite() hands SQLite booleans over as text ('1', '0'); the JS path's truthy() in SQL. */
function isTrue(column: string): string {
	return `lower(ifNull(toString(${column}), '0')) IN ('1', 'true', 't')`;
}

/** A kept column's value as the raw table wants it; hashed and year columns transformed. */
function valueExpression(column: DeclaredColumn): string {
	const c = q(column.name);
	const type = rawType(column);
	switch (column.pii) {
		case 'hash':
			// HMAC-SHA256(key, upper(trim(value))), as the JS path computes it.
			return `if(isNull(${c}), NULL, lower(hex(SHA256(concat(unhex({opad:String}), SHA256(concat(unhex({ipad:String}), upper(trimBoth(toString(${c}))))))))))`;
		case 'year':
			return `if(isNull(${c}), NULL, toUInt16OrZero(substring(toString(${c}), 1, 4)))`;
		default:
			// Through text: SQLite stores money as REAL, and casting a float to Decimal truncates
			// (900.33 is 900.32999… in binary); the shortest text form parses back exactly.
			if (column.type === 'decimal') return `CAST(toString(${c}) AS ${type})`;
			if (column.type === 'date') return `CAST(substring(toString(${c}), 1, 10) AS ${type})`;
			if (column.type === 'datetime') return `CAST(substring(toString(${c}), 1, 19) AS ${type})`;
			if (column.type === 'boolean') return `CAST(${isTrue(c)} AS ${type})`;
			if (column.type === 'string') return `CAST(toString(${c}) AS ${type})`;
			return `CAST(${c} AS ${type})`;
	}
}

/**
 * (reason, detail) of the first failed check, in the JS path's order: key, then each column in turn
 * (missing, area code, number, date), then the business key; ('', '') for a good row.
 */
function reasonExpression(table: DeclaredTable, pk: string, objects: StageObjects): string {
	const checks: string[] = [`isNull(${pk}), ('missing_key', '${table.primaryKey} is empty')`];
	for (const column of table.columns) {
		const c = q(column.name);
		const text = `toString(${c})`;
		if (!column.nullable && column.pii !== 'drop') {
			checks.push(`isNull(${c}) OR ${text} = '', ('missing_value', '${column.name} is empty')`);
		}
		const present = `NOT isNull(${c}) AND ${text} != ''`;
		if (column.area) {
			const list = column.area === 'township' ? 'townships' : 'communities';
			checks.push(
				`${present} AND NOT has({${list}:Array(String)}, ${text}), ('unknown_area_code', concat('${column.name}=', ${text}))`
			);
		}
		if (column.type === 'integer' || column.type === 'decimal') {
			checks.push(
				`${present} AND isNull(toFloat64OrNull(${text})), ('invalid_value', '${column.name} is not a number')`
			);
			if (column.min !== undefined) {
				checks.push(
					`${present} AND toFloat64OrZero(${text}) < ${column.min}, ('negative_amount', concat('${column.name}=', ${text}, ' < ${column.min}'))`
				);
			}
		}
		if (column.type === 'date' || column.type === 'datetime') {
			const day = `toDate32OrNull(substring(${text}, 1, 10))`;
			checks.push(`${present} AND isNull(${day}), ('invalid_value', '${column.name} is not a date')`);
			const shown = column.pii === 'keep' ? `concat('=', substring(${text}, 1, 10))` : `''`;
			checks.push(
				`${present} AND ${day} > toDate32({today:String}), ('future_date', concat('${column.name}', ${shown}, ' is after ', {today:String}))`
			);
		}
	}
	if (table.naturalKey) {
		const natural = q(table.naturalKey);
		checks.push(
			`${pk} IN (SELECT pk FROM ${objects.losers}), ('duplicate_key', concat('${table.naturalKey}=', toString(${natural}), ' already belongs to another row'))`
		);
	}
	return `multiIf(${checks.join(',\n\t\t')},\n\t\t('', ''))`;
}
