/**
 * A business key (an order, application or case number) belongs to one row. Settled after a table's
 * load, in raw itself: the first holder keeps the key — a row already in raw that tonight's rows do not
 * replace, else the lowest primary key among tonight's — and tonight's other holders move to the
 * quarantine as 'duplicate_key'. Only rows that passed every other check compete: a row the quarantine
 * holds for a bad date does not take a key from a good one.
 *
 * Why afterwards: settling before the load needed a second read of the whole source on a first night
 * (16M orders), while raw answers from two compressed columns, and duplicates are rare. Both
 * extraction paths call it, so they agree; on a first night the engine's load may already know that
 * no key is held twice (sqlite-direct.ts, tallySummary).
 */
import type { Warehouse } from '../warehouse';
import { quoteIdentifier as q, quoteLiteral } from '../warehouse';
import type { DeclaredTable } from './declarations';
import { rawColumns } from './declarations';
import {
	deleteTonightsVersions,
	loadTimeParam,
	QUARANTINE_TABLE,
	rawRelation,
	TONIGHTS_ROWS
} from './raw-tables';
import { STAGE_DATABASE } from './stage';

export interface KeySettlement {
	warehouse: Warehouse;
	table: DeclaredTable;
	runId: string;
	/** The quarantine's name for the table, 'system.table'. */
	source: string;
	/** Rows this run put into raw; equal to raw's count when raw holds nothing else (a first load). */
	loaded: number;
	/** The load found that the rows it put into raw hold each business key once. */
	loadedKeysDistinct?: boolean;
	/** A moment before this run's load of the table (UTC): its rows were loaded at or after it. */
	loadStarted: Date;
}

/** Moves this run's rows that hold a taken business key from raw to the quarantine; returns how many. */
export async function evictTakenBusinessKeys(settlement: KeySettlement): Promise<number> {
	const { warehouse, table, runId, source, loaded } = settlement;
	if (!table.naturalKey || loaded === 0) return 0;
	const raw = rawRelation(table);
	const pk = q(table.primaryKey);
	const key = q(table.naturalKey);
	const natural = `toString(${key})`;
	// The load time narrows tonight's rows to the parts just written (a min-max index on _loaded_at).
	const params: Record<string, unknown> = {
		run: runId,
		since: loadTimeParam(settlement.loadStarted)
	};
	const [{ n: inRaw } = { n: '0' }] = await warehouse.query<{ n: string }>(`SELECT count() AS n FROM ${raw}`);
	// On a first load raw holds tonight's rows and nothing else: no filter, and no one else to lose to.
	const onlyTonight = Number(inRaw) === loaded;
	if (onlyTonight) {
		if (settlement.loadedKeysDistinct) return 0;
		// As many distinct hashes of the key as rows: no key is held twice. A set of hashes tells in half
		// the time of grouping them with counts below (0.6 against 1.3 s over 16M orders).
		const [{ n: distinct } = { n: '0' }] = await warehouse.query<{ n: string }>(
			`SELECT uniqExact(cityHash64(${natural})) AS n FROM ${raw}`
		);
		if (Number(distinct) === loaded) return 0;
	}
	const tonightsRows = onlyTonight ? '' : ` WHERE ${TONIGHTS_ROWS}`;
	const tonight = `SELECT ${pk} AS pk, ${natural} AS natural FROM ${raw}${tonightsRows}`;
	// Every row holding one of tonight's keys: a min-max index on the key finds them in a few granules,
	// as business keys are numbered in the order rows are made.
	const holders = `SELECT ${pk} AS pk, ${natural} AS natural FROM ${raw}${
		onlyTonight ? '' : ` WHERE ${key} IN (SELECT ${key} FROM ${raw}${tonightsRows})`
	}`;

	// Keys held by more than one row, by a 64-bit hash; the few hashes found are then compared as text.
	// A first load holds one version of each row, so a count will do over millions of rows (min and max
	// of the keys took three times as long); later rows are counted by key, since an updated row has two
	// versions.
	const [{ hashes } = { hashes: [] }] = await warehouse.query<{ hashes: string[] }>(
		`SELECT groupArray(toString(h)) AS hashes FROM (
	SELECT cityHash64(natural) AS h FROM (${holders})
	GROUP BY h HAVING ${onlyTonight ? 'count()' : 'uniqExact(pk)'} > 1)`,
		params
	);
	if (hashes.length === 0) return 0;
	params.hashes = hashes;

	const losers = `${STAGE_DATABASE}.${q(`${table.rawTable}__losers`)}`;
	const candidates = `SELECT pk, natural FROM (${tonight}) WHERE toString(cityHash64(natural)) IN {hashes:Array(String)}`;
	// Taken: held in raw by a row tonight's load does not replace (any of its versions).
	const takenElsewhere = onlyTonight
		? ''
		: ` OR natural IN (
	SELECT natural FROM (${holders})
	WHERE toString(cityHash64(natural)) IN {hashes:Array(String)} AND pk NOT IN (SELECT pk FROM (${tonight})))`;
	// Memory tables are created empty, then filled: they cannot take part in CREATE … AS SELECT's rename.
	await warehouse.command(
		`CREATE TABLE ${losers} ENGINE = Memory EMPTY AS SELECT pk FROM (${candidates})`,
		params
	);
	try {
		await warehouse.command(
			`INSERT INTO ${losers} SELECT pk FROM (
	SELECT pk, natural, min(pk) OVER (PARTITION BY natural) AS keeper FROM (${candidates}))
WHERE pk != keeper${takenElsewhere}`,
			params
		);
		const [{ n } = { n: '0' }] = await warehouse.query<{ n: string }>(`SELECT count() AS n FROM ${losers}`);
		// Hashes shared by two different keys, or a key passed between tonight's rows: no mutation.
		if (Number(n) === 0) return 0;
		// Tonight's versions of the losers go to the quarantine, then out of raw.
		const theirRows = `SELECT * FROM ${raw} WHERE ${TONIGHTS_ROWS} AND ${pk} IN (SELECT pk FROM ${losers})`;
		const names = rawColumns(table).map((c) => q(c.name));
		await warehouse.command(
			`INSERT INTO ${QUARANTINE_TABLE} (run_id, quarantined_at, source, source_key, reason, detail, row)
SELECT _run_id, now64(3, 'UTC'), ${quoteLiteral(source)}, toString(${pk}), 'duplicate_key',
	concat(${quoteLiteral(`${table.naturalKey}=`)}, ${natural}, ' already belongs to another row'),
	trim(formatRowNoNewline('JSONEachRow', ${names.join(', ')}))
FROM (${theirRows})`,
			params
		);
		await deleteTonightsVersions(warehouse, table, `${pk} IN (SELECT pk FROM ${losers})`, params);
		return Number(n);
	} finally {
		await warehouse.command(`DROP TABLE IF EXISTS ${losers}`);
	}
}
