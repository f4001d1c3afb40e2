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
import type { Knex } from 'knex';
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
	/**
	 * Names the rows holding text in a declared number column (findTextInNumberColumns), by primary
	 * key as text. It runs beside the engine's business-key pass.
	 */
	findTextInNumbers?: () => Promise<ReadonlyMap<string, string[]>>;
}

/**
 * SQLite keeps whatever a program writes, so a REAL column can hold 'abc'; sqlite() would hand that
 * over as 0. SQLite itself tells (typeof), so the changed rows' declared number columns are checked
 * there first, and those rows are quarantined as 'not a number', as the JS path does.
 */
export async function findTextInNumberColumns(
	db: Knex,
	table: DeclaredTable,
	watermark: string | undefined
): Promise<Map<string, string[]>> {
	// An INTEGER PRIMARY KEY is SQLite's rowid: it can only hold integers, and is not worth a look.
	const info = (await db.raw('SELECT name, type, pk FROM pragma_table_info(?)', [table.sourceTable])) as {
		name: string;
		type: string;
		pk: number;
	}[];
	const keys = info.filter((c) => c.pk > 0);
	const rowid = keys.length === 1 && keys[0]!.type.toUpperCase() === 'INTEGER' ? keys[0]!.name : undefined;
	const columns = table.columns.filter(
		(c) => c.pii !== 'drop' && (c.type === 'integer' || c.type === 'decimal') && c.name !== rowid
	);
	const found = new Map<string, string[]>();
	if (columns.length === 0) return found;
	// typeof() is one of null, integer, real, text, blob; asking for the two bad ones is half the work.
	const notNumber = (name: string) => db.raw("typeof(??) IN ('text', 'blob')", [name]);
	const query = db(table.sourceTable).select({ key: table.primaryKey });
	for (const [i, column] of columns.entries()) query.select({ [`c${i}`]: notNumber(column.name) });
	query.where((w) => {
		for (const column of columns) w.orWhere(notNumber(column.name));
	});
	if (watermark !== undefined) query.andWhere(table.cursor, '>=', watermark);
	for (const row of (await query) as Record<string, unknown>[]) {
		for (const [i, column] of columns.entries()) {
			if (Number(row[`c${i}`]) !== 1) continue;
			found.set(column.name, [...(found.get(column.name) ?? []), String(row.key)]);
		}
	}
	return found;
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

/**
 * The routing objects live in one database for the length of a night's load: made empty first, so
 * whatever a killed night left goes, and dropped whole at the end, rather than a dozen statements per
 * table (they dominated a night of small changes).
 */
export async function openStage(warehouse: Warehouse): Promise<void> {
	await warehouse.command(`DROP DATABASE IF EXISTS ${STAGE_DATABASE} SYNC`);
	await warehouse.command(`CREATE DATABASE ${STAGE_DATABASE}`);
}

export async function closeStage(warehouse: Warehouse): Promise<void> {
	await warehouse.command(`DROP DATABASE IF EXISTS ${STAGE_DATABASE} SYNC`);
}

/** Loads one table; between openStage and closeStage. */
export async function loadTableDirect(options: DirectLoadOptions): Promise<Extracted> {
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
	try {
		const rawHasRows =
			Number((await warehouse.query<{ n: string }>(`SELECT count() AS n FROM ${raw}`))[0]?.n ?? 0) > 0;
		// Two independent reads of the source: the engine settles business keys on its own threads
		// while SQLite looks for text in number columns on this one.
		const findText = options.findTextInNumbers ?? (async () => new Map<string, string[]>());
		const textInNumbers = table.naturalKey
			? await settleKeyDuplicates(
					warehouse,
					objects,
					changed,
					pk,
					q(table.naturalKey),
					rawHasRows ? raw : undefined,
					params,
					findText
				)
			: await findText();
		for (const [i, column] of table.columns.entries()) {
			params[`text_in_number_${i}`] = textInNumbers.get(column.name) ?? [];
		}

		// Personal data is not selected beyond `changed` except through the pseudonymising expressions.
		const numeric = await numericSourceColumns(warehouse, params);
		const values = layout.map(({ name, source }) => `${valueExpression(source, numeric)} AS ${q(name)}`);
		const deleted = table.softDelete ? `toUInt8(${isTrue(q(table.softDelete))})` : 'toUInt8(0)';
		// The checks and bookkeeping read the source's own values in an inner query: in the outer one
		// the converted values take the columns' names (a day that does not exist would already be one).
		const checked = `SELECT *, ${deleted} AS _deleted,
	toUInt64(toUnixTimestamp(toDateTime(substring(toString(${cursor}), 1, 19), 'UTC'))) AS _version,
	toString(${pk}) AS _source_key, toString(${cursor}) AS _cursor,
	${reasonExpression(table, pk, objects, numeric)} AS _verdict
FROM (${changed(sourceColumns.map(q))})`;
		const routed = `SELECT ${values.join(', ')}, _deleted, _version, _source_key, _cursor, _verdict
FROM (${checked})`;

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
			`INSERT INTO ${objects.input} ${routed} SETTINGS max_insert_threads = ${os.availableParallelism()}, parallel_view_processing = 1`,
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
		// The one stage object that can be large (a night's keys); the rest go with the stage.
		await warehouse.command(`DROP TABLE IF EXISTS ${objects.keys}`);
	}
}

/**
 * Fills `losers` with the primary keys whose business key belongs to another row: a lower primary key
 * in the same batch, or a row already in raw that this batch does not replace (any of its versions,
 * as the JS path's lookup). The first holder keeps the key. Reads only the two key columns; they are
 * kept in memory only when raw has rows to compare with (a night's changes, not a first load).
 * `meanwhile` runs on this thread during the engine's read of the source; its result is returned.
 */
async function settleKeyDuplicates<S>(
	warehouse: Warehouse,
	objects: StageObjects,
	changed: (columns: string[]) => string,
	pk: string,
	natural: string,
	raw: string | undefined,
	params: Record<string, unknown>,
	meanwhile: () => Promise<S>
): Promise<S> {
	const keys = `SELECT ${pk} AS pk, toString(${natural}) AS natural FROM (${changed([pk, natural])})`;
	// Memory tables are created empty, then filled: they cannot take part in CREATE … AS SELECT's rename.
	await warehouse.command(
		`CREATE TABLE ${objects.losers} ENGINE = Memory EMPTY AS SELECT pk FROM (${keys})`,
		params
	);
	let batch: string;
	let sideResult: S;
	let batchParams = params;
	if (raw) {
		await warehouse.command(`CREATE TABLE ${objects.keys} ENGINE = Memory EMPTY AS ${keys}`, params);
		[, sideResult] = await alongside(
			warehouse.command(`INSERT INTO ${objects.keys} ${keys}`, params),
			meanwhile
		);
		batch = objects.keys;
	} else {
		// A first load: grouping millions of keys by a 64-bit hash is several times cheaper than by
		// text, and only hashes seen twice (duplicates, or in theory a collision) are looked at exactly.
		const [seenTwice, side] = await alongside(
			warehouse.query<{ hashes: string[] }>(
				`SELECT groupArray(toString(h)) AS hashes FROM (
	SELECT cityHash64(natural) AS h FROM (${keys}) GROUP BY h HAVING count() > 1)`,
				params
			),
			meanwhile
		);
		sideResult = side;
		const hashes = seenTwice[0]?.hashes ?? [];
		if (hashes.length === 0) return sideResult;
		batchParams = { ...params, seen_twice: hashes };
		batch = `(SELECT * FROM (${keys}) WHERE toString(cityHash64(natural)) IN {seen_twice:Array(String)})`;
	}
	const sameBatch = `SELECT arrayJoin(arrayPopFront(arraySort(groupArray(pk)))) AS pk
FROM ${batch} GROUP BY natural HAVING count() > 1`;
	const takenInRaw = `SELECT pk FROM ${batch} WHERE natural IN (
	SELECT toString(${natural}) FROM ${raw}
	WHERE toString(${natural}) IN (SELECT natural FROM ${batch})
		AND ${pk} NOT IN (SELECT pk FROM ${batch}))`;
	await warehouse.command(
		`INSERT INTO ${objects.losers} SELECT DISTINCT pk FROM (${sameBatch}${raw ? `\nUNION ALL ${takenInRaw}` : ''})`,
		batchParams
	);
	return sideResult;
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

/**
 * (reason, detail) of the first failed check, in the JS path's order: key, then each column in turn
 * (missing, area code, number, date), then the business key; ('', '') for a good row.
 */
function reasonExpression(
	table: DeclaredTable,
	pk: string,
	objects: StageObjects,
	numeric: ReadonlySet<string>
): string {
	const checks: string[] = [`isNull(${pk}), ('missing_key', '${table.primaryKey} is empty')`];
	for (const [index, column] of table.columns.entries()) {
		const c = q(column.name);
		const text = `toString(${c})`;
		const isNumber = numeric.has(column.name);
		// A number from the source is never empty text nor "not a number".
		const missing = isNumber ? `isNull(${c})` : `isNull(${c}) OR ${text} = ''`;
		if (!column.nullable && column.pii !== 'drop') {
			checks.push(`${missing}, ('missing_value', '${column.name} is empty')`);
		}
		const present = `NOT (${missing})`;
		if (column.area) {
			const list = column.area === 'township' ? 'townships' : 'communities';
			checks.push(
				`${present} AND ${text} NOT IN {${list}:Array(String)}, ('unknown_area_code', concat('${column.name}=', ${text}))`
			);
		}
		if (column.type === 'integer' || column.type === 'decimal') {
			// A number column's text values arrive as 0; SQLite named their rows beforehand.
			const notNumber = isNumber
				? `toString(${pk}) IN {text_in_number_${index}:Array(String)}`
				: `isNull(toFloat64OrNull(${text}))`;
			checks.push(`${present} AND ${notNumber}, ('invalid_value', '${column.name} is not a number')`);
			if (column.min !== undefined) {
				const value = isNumber ? c : `toFloat64OrZero(${text})`;
				checks.push(
					`${present} AND ${value} < ${column.min}, ('negative_amount', concat('${column.name}=', ${text}, ' < ${column.min}'))`
				);
			}
		}
		if (column.type === 'date' || column.type === 'datetime') {
			const day = `toDate32OrNull(substring(${text}, 1, 10))`;
			// The engine reads '2026-02-30' as 2 March and '2026-13-45' as 1900-01-01: a real day prints back as itself.
			checks.push(
				`${present} AND (isNull(${day}) OR toString(${day}) != substring(${text}, 1, 10)), ('invalid_value', '${column.name} is not a date')`
			);
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
