/**
 * The fast path for SQLite sources on the embedded engine: ClickHouse reads the file itself with its
 * `sqlite()` table function, and the same SQL removes personal data (HMAC-SHA256 computed from the key
 * passed as a server-side parameter, never glued into the query text), validates, and splits rows
 * between raw and quarantine — no row passes through JavaScript. Same results as the JS path
 * (run-etl.ts), an order of magnitude faster for a first full load.
 */
import type { Warehouse } from '../warehouse';
import { quoteIdentifier as q } from '../warehouse';
import { rawColumns, type DeclaredColumn, type DeclaredTable } from './declarations';
import { QUARANTINE_TABLE, rawType } from './raw-tables';
import type { Extracted } from './run-etl';
import type { ValidationContext } from './validate';

const BLOCK = 64;

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
		today: options.context.today,
		run_id: runId,
		source: options.source
	};
	const raw = `${q(table.rawSchema)}.${q(table.rawTable)}`;
	const layout = rawColumns(table);
	const cursor = q(table.cursor);
	const pk = q(table.primaryKey);
	const sourceColumns = [
		...table.columns.map((c) => c.name),
		...(table.softDelete ? [table.softDelete] : [])
	];
	const natural = table.naturalKey ? q(table.naturalKey) : undefined;
	const rawHasRows =
		Number((await warehouse.query<{ n: string }>(`SELECT count() AS n FROM ${raw}`))[0]?.n ?? 0) > 0;

	// The rows changed since the watermark (a plain comparison, which the engine hands down to SQLite,
	// so a night reads only its changes), with each check's verdict; personal data is not selected
	// beyond this point except through the pseudonymising expressions below.
	const checked = `
WITH src AS (
	SELECT ${sourceColumns.map(q).join(', ')}
	FROM sqlite({file:String}, {source_table:String})
	${options.watermark === undefined ? '' : `WHERE ${cursor} >= {watermark:String}`}
),
checked AS (
	SELECT *,
		${reasonExpression(table, natural, pk, rawHasRows ? raw : undefined)} AS _verdict
	FROM src
)`;
	const values = layout.map(({ name, source }) => `${valueExpression(source)} AS ${q(name)}`);
	const deleted = table.softDelete ? `toUInt8(${isTrue(q(table.softDelete))})` : 'toUInt8(0)';
	// Read the source once into an in-memory stage (pseudonymised values and verdicts only), then
	// split it: a Memory table vanishes with the process, so a killed run leaves nothing behind.
	const stage = `etl_stage.${q(`${table.rawTable}__${runId.replace(/\W/g, '_')}`)}`;
	await warehouse.command(`CREATE DATABASE IF NOT EXISTS etl_stage`);
	await warehouse.command(`DROP TABLE IF EXISTS ${stage}`);
	const stageSelect = `${checked}
SELECT ${values.join(', ')}, ${deleted} AS _deleted,
	toUInt64(toUnixTimestamp(toDateTime(substring(toString(${cursor}), 1, 19), 'UTC'))) AS _version,
	toString(${pk}) AS _source_key, toString(${cursor}) AS _cursor, _verdict
FROM checked`;
	// Created empty, then filled: Memory tables cannot take part in CREATE … AS SELECT's rename.
	await warehouse.command(`CREATE TABLE ${stage} ENGINE = Memory EMPTY AS ${stageSelect}`, params);
	await warehouse.command(`INSERT INTO ${stage} ${stageSelect}`, params);
	let counts: { read: string; bad: string; max_cursor: string } | undefined;
	try {
		const rawNames = layout.map((c) => q(c.name));
		await warehouse.command(
			`INSERT INTO ${raw} (${[...rawNames, '_deleted', '_version', '_loaded_at', '_run_id'].join(', ')})
SELECT ${[...rawNames, '_deleted', '_version'].join(', ')}, now64(3, 'UTC'), {run_id:String}
FROM ${stage} WHERE _verdict.1 = ''`,
			params
		);
		await warehouse.command(
			`INSERT INTO ${QUARANTINE_TABLE} (run_id, quarantined_at, source, source_key, reason, detail, row)
SELECT {run_id:String}, now64(3, 'UTC'), {source:String}, _source_key, _verdict.1, _verdict.2,
	trim(formatRowNoNewline('JSONEachRow', ${rawNames.join(', ')}))
FROM ${stage} WHERE _verdict.1 != ''`,
			params
		);
		[counts] = await warehouse.query<{ read: string; bad: string; max_cursor: string }>(
			`SELECT count() AS read, countIf(_verdict.1 != '') AS bad, max(_cursor) AS max_cursor FROM ${stage}`
		);
	} finally {
		await warehouse.command(`DROP TABLE IF EXISTS ${stage}`);
	}
	const read = Number(counts!.read);
	const quarantined = Number(counts!.bad);
	return {
		read,
		loaded: read - quarantined,
		quarantined,
		maxCursor: read > 0 ? counts!.max_cursor : options.watermark
	};
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
function reasonExpression(
	table: DeclaredTable,
	natural: string | undefined,
	pk: string,
	raw: string | undefined
): string {
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
	if (natural) {
		const earlier = `row_number() OVER (PARTITION BY ${natural} ORDER BY ${pk}) > 1`;
		const taken = raw
			? ` OR ${natural} IN (SELECT ${natural} FROM ${raw} FINAL WHERE ${pk} NOT IN (SELECT ${pk} FROM src))`
			: '';
		checks.push(
			`${earlier}${taken}, ('duplicate_key', concat('${table.naturalKey}=', toString(${natural}), ' already belongs to another row'))`
		);
	}
	return `multiIf(${checks.join(',\n\t\t')},\n\t\t('', ''))`;
}
