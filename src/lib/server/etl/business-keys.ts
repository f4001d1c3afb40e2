/**
 * A business key (an order, application or case number) belongs to one row. The first holder keeps the
 * key — a row already in raw that tonight's rows do not replace, else the lowest primary key among
 * tonight's — and tonight's other holders move to the quarantine as 'duplicate_key'. Only rows that
 * passed every other check compete: a row the quarantine holds for a bad date does not take a key from
 * a good one.
 *
 * Settled after a table's load, in raw itself (evictTakenBusinessKeys): settling before the load needed
 * a second read of the whole source on a first night (16M orders), while raw answers from two
 * compressed columns, and duplicates are rare. Both extraction paths call it, so they agree; on a first
 * night the engine's load may already know that no key is held twice (sqlite-direct.ts, tallySummary).
 * A later night's changes are few, and wait in a stage table until their keys are settled
 * (settleStagedRows): taking a loser back out of raw is a mutation, dearer than the copy.
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
	const { warehouse, table, runId, loaded } = settlement;
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
	// Every row holding one of tonight's keys: a min-max index on the key finds them in a few granules,
	// as business keys are numbered in the order rows are made. A first load holds one version of each
	// row, so a count will do over millions of rows (min and max of the keys took three times as long);
	// later rows are counted by key, since an updated row has two versions.
	const contest: Contest = {
		tonight: `SELECT ${pk} AS pk, ${natural} AS natural FROM ${raw}${tonightsRows}`,
		holders: `SELECT ${pk} AS pk, ${natural} AS natural FROM ${raw}${
			onlyTonight ? '' : ` WHERE ${key} IN (SELECT ${key} FROM ${raw}${tonightsRows})`
		}`,
		holdersPerKey: onlyTonight ? 'count()' : 'uniqExact(pk)'
	};
	return await withLosers(settlement, contest, params, async (losers) => {
		// Tonight's versions of the losers go to the quarantine, then out of raw.
		await quarantineLosers(
			settlement,
			`SELECT * FROM ${raw} WHERE ${TONIGHTS_ROWS} AND ${pk} IN (SELECT pk FROM ${losers})`,
			params
		);
		await deleteTonightsVersions(warehouse, table, `${pk} IN (SELECT pk FROM ${losers})`, params);
	});
}

/**
 * Makes the stage table tonight's good rows of `table` wait in, shaped as raw (in memory: it is used
 * for fewer than a million rows), and returns its name.
 */
export async function createStagedTable(warehouse: Warehouse, table: DeclaredTable): Promise<string> {
	const staged = `${STAGE_DATABASE}.${q(`${table.rawTable}__staged`)}`;
	await warehouse.command(
		`CREATE TABLE ${staged} ENGINE = Memory EMPTY AS SELECT * FROM ${rawRelation(table)}`
	);
	return staged;
}

/**
 * Settles the business keys of tonight's good rows while they wait in `staged` (createStagedTable,
 * holding each changed row once), then puts the winners into raw and drops the stage table: the losers
 * go to the quarantine without ever reaching raw. A later night's few changed rows are settled so, since taking a row back
 * out of raw is a mutation of the table: over the 16M meal orders it took 0.4–1.7 s even when it
 * deleted nothing, where copying a night's 18,000 orders into raw took 25 ms. Returns how many rows
 * lost their key.
 */
export async function settleStagedRows(
	settlement: Pick<KeySettlement, 'warehouse' | 'table' | 'source'> & { staged: string }
): Promise<number> {
	const { warehouse, table, staged } = settlement;
	const raw = rawRelation(table);
	const pk = q(table.primaryKey);
	const copyIntoRaw = (except = '') =>
		warehouse.command(`INSERT INTO ${raw} SELECT * FROM ${staged}${except}`);
	const key = q(table.naturalKey!);
	const natural = `toString(${key})`;
	const tonight = `SELECT ${pk} AS pk, ${natural} AS natural FROM ${staged}`;
	// Raw's rows that tonight's do not replace (any of their versions) holding one of tonight's keys.
	const others = `SELECT ${pk} AS pk, ${natural} AS natural FROM ${raw}
	WHERE ${key} IN (SELECT ${key} FROM ${staged}) AND ${pk} NOT IN (SELECT ${pk} FROM ${staged})`;
	const contest: Contest = {
		tonight,
		holders: `${tonight} UNION ALL ${others}`,
		holdersPerKey: 'uniqExact(pk)'
	};
	const params: Record<string, unknown> = {};
	const evicted = await withLosers(settlement, contest, params, async (losers) => {
		const theirRows = `SELECT * FROM ${staged} WHERE ${pk} IN (SELECT pk FROM ${losers})`;
		await quarantineLosers(settlement, theirRows, params);
		await copyIntoRaw(` WHERE ${pk} NOT IN (SELECT pk FROM ${losers})`);
	});
	if (evicted === 0) await copyIntoRaw();
	await warehouse.command(`DROP TABLE ${staged}`);
	return evicted;
}

/**
 * Tonight's rows and every row holding one of their keys, as queries of (pk, natural), and how a key's
 * holders are counted: every row (one version of each), or by primary key.
 */
interface Contest {
	tonight: string;
	holders: string;
	holdersPerKey: 'count()' | 'uniqExact(pk)';
}

/**
 * Finds tonight's rows that lose their key: a key held twice goes to its holder in raw that tonight's
 * rows do not replace, else to the lowest primary key among tonight's. When there are any, runs `move`
 * with a table of their primary keys (`pk`), which lives only as long; returns how many lost.
 */
async function withLosers(
	settlement: Pick<KeySettlement, 'warehouse' | 'table'>,
	contest: Contest,
	params: Record<string, unknown>,
	move: (losers: string) => Promise<void>
): Promise<number> {
	const { warehouse, table } = settlement;
	const { tonight, holders } = contest;
	// Keys held by more than one row, by a 64-bit hash; the few hashes found are then compared as text.
	const [{ hashes } = { hashes: [] }] = await warehouse.query<{ hashes: string[] }>(
		`SELECT groupArray(toString(h)) AS hashes FROM (
	SELECT cityHash64(natural) AS h FROM (${holders})
	GROUP BY h HAVING ${contest.holdersPerKey} > 1)`,
		params
	);
	if (hashes.length === 0) return 0;
	params.hashes = hashes;

	const losers = `${STAGE_DATABASE}.${q(`${table.rawTable}__losers`)}`;
	const candidates = `SELECT pk, natural FROM (${tonight}) WHERE toString(cityHash64(natural)) IN {hashes:Array(String)}`;
	// Taken: held in raw by a row tonight's load does not replace (any of its versions). Where every
	// holder is one of tonight's, there is no such row, and no need to look.
	const takenElsewhere =
		contest.holdersPerKey === 'count()'
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
		// Hashes shared by two different keys, or a key passed between tonight's rows: nothing to move.
		if (Number(n) === 0) return 0;
		await move(losers);
		return Number(n);
	} finally {
		await warehouse.command(`DROP TABLE IF EXISTS ${losers}`);
	}
}

/** The losers' rows (`theirRows`, shaped as raw) into the quarantine as 'duplicate_key'. */
async function quarantineLosers(
	settlement: Pick<KeySettlement, 'table' | 'source' | 'warehouse'>,
	theirRows: string,
	params: Record<string, unknown>
): Promise<void> {
	const { table, source } = settlement;
	const pk = q(table.primaryKey);
	const names = rawColumns(table).map((c) => q(c.name));
	await settlement.warehouse.command(
		`INSERT INTO ${QUARANTINE_TABLE} (run_id, quarantined_at, source, source_key, reason, detail, row)
SELECT _run_id, now64(3, 'UTC'), ${quoteLiteral(source)}, toString(${pk}), 'duplicate_key',
	concat(${quoteLiteral(`${table.naturalKey}=`)}, toString(${q(table.naturalKey!)}), ' already belongs to another row'),
	trim(formatRowNoNewline('JSONEachRow', ${names.join(', ')}))
FROM (${theirRows})`,
		params
	);
}
