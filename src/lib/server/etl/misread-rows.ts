/**
 * SQLite keeps whatever a program writes, so a REAL column can hold 'abc'; the engine's sqlite() would
 * hand that over as 0 (and '12,5' as 12). SQLite itself tells: the changed rows holding text in a
 * declared number column, as SQLite holds them, to be routed by the JS path's rules instead.
 *
 * The scan reads the whole changed range (all 16M meal orders on a first night: 3 s of a core), so it
 * runs in a worker thread at the lowest priority. Beside the engine's load of the same table it took
 * 0.5–1.1 s from the load; a big table's scan therefore starts early, at the start of the night, while
 * the smaller tables load and the cores are half idle, and is completed after the load by a look at
 * the few rows changed since it began (scanEarly, completeEarlyScan).
 */
import type { Knex } from 'knex';
import { readSqliteInBackground } from '../sources/background-read';
import { columnsToExtract, extractedColumns, type DeclaredTable } from './declarations';
import type { SourceRow } from './pseudonymise';

/** The declared number columns worth a look; none when the table has none. */
async function numberColumns(db: Knex, table: DeclaredTable): Promise<string[]> {
	// An INTEGER PRIMARY KEY is SQLite's rowid: it can only hold integers, and is not worth a look.
	const info = (await db.raw('SELECT name, type, pk FROM pragma_table_info(?)', [table.sourceTable])) as {
		name: string;
		type: string;
		pk: number;
	}[];
	const keys = info.filter((c) => c.pk > 0);
	const rowid = keys.length === 1 && keys[0]!.type.toUpperCase() === 'INTEGER' ? keys[0]!.name : undefined;
	return columnsToExtract(table)
		.filter((c) => (c.type === 'integer' || c.type === 'decimal') && c.name !== rowid)
		.map((c) => c.name);
}

/** The table's rows holding text in one of `columns`, as a query to narrow further. */
function rowsWithText(db: Knex, table: DeclaredTable, columns: string[]): Knex.QueryBuilder {
	// SQLite orders NULL < numbers < text < blobs, and '' takes no number affinity: `column >= ''` holds
	// exactly for text and blobs, as typeof() IN ('text', 'blob') would, but without a function call
	// and a string per value (3.0 against 4.7 s over 16M orders), and an index on the column answers it.
	return db(table.sourceTable)
		.select(extractedColumns(table))
		.where((w) => {
			for (const column of columns) w.orWhere(db.raw("?? >= ''", [column]));
		});
}

/**
 * The changed rows holding text in a number column. `db` is a connection to `file`; the scan itself
 * runs in the background at the lowest priority.
 */
export async function findRowsWithTextInNumbers(
	db: Knex,
	file: string,
	table: DeclaredTable,
	watermark: string | undefined
): Promise<SourceRow[]> {
	return scanInBackground(db, file, table, await numberColumns(db, table), watermark);
}

function scanInBackground(
	db: Knex,
	file: string,
	table: DeclaredTable,
	columns: string[],
	watermark: string | undefined
): Promise<SourceRow[]> {
	if (columns.length === 0) return Promise.resolve([]);
	const query = rowsWithText(db, table, columns);
	if (watermark !== undefined) query.andWhere(table.cursor, '>=', watermark);
	const { sql, bindings } = query.toSQL().toNative();
	return readSqliteInBackground(file, sql, bindings);
}

/** A scan made before the load: the rows it found, and the highest cursor the table held as it began. */
export interface EarlyScan {
	rows: SourceRow[];
	/** Undefined when no row had changed: then every changed row is newer than the scan. */
	highestCursor: string | undefined;
	/** The number columns it looked at, which the look after the load checks too. */
	columns: string[];
}

/** findRowsWithTextInNumbers, noting first how far the table's cursor had got. */
export async function scanEarly(
	db: Knex,
	file: string,
	table: DeclaredTable,
	watermark: string | undefined
): Promise<EarlyScan> {
	const highest = db(table.sourceTable).max({ highest: table.cursor });
	if (watermark !== undefined) highest.where(table.cursor, '>=', watermark);
	const [{ highest: cursor } = { highest: null }] = (await highest) as { highest: unknown }[];
	const columns = await numberColumns(db, table);
	const rows = await scanInBackground(db, file, table, columns, watermark);
	return {
		rows,
		columns,
		highestCursor: cursor === null || cursor === undefined ? undefined : String(cursor)
	};
}

/**
 * The rows that hold text in a number column now, from an early scan: the rows it found, looked up
 * again by key (one may have been mended since), and the rows changed since it began. A row written
 * after the scan began has a cursor at least the highest it saw, as the watermark already assumes
 * of every change, so the cursor's index finds them in a few pages. One statement, one snapshot.
 */
export async function completeEarlyScan(
	db: Knex,
	table: DeclaredTable,
	watermark: string | undefined,
	scan: EarlyScan
): Promise<SourceRow[]> {
	const { columns } = scan;
	if (columns.length === 0) return [];
	const since = scan.highestCursor ?? watermark;
	const changedSince = rowsWithText(db, table, columns);
	if (since !== undefined) changedSince.andWhere(table.cursor, '>=', since);
	if (scan.rows.length === 0) return (await changedSince) as SourceRow[];
	const keys = JSON.stringify(scan.rows.map((row) => row[table.primaryKey]));
	const foundBefore = rowsWithText(db, table, columns).andWhereRaw('?? IN (SELECT value FROM json_each(?))', [
		table.primaryKey,
		keys
	]);
	return (await changedSince.union(foundBefore)) as SourceRow[];
}
