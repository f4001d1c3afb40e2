/**
 * Reads a source table's rows changed since the watermark, in pages ordered by (cursor, primary key):
 * keyset pagination streams any table in bounded memory on SQLite, PostgreSQL and MySQL alike (knex's
 * SQLite `.stream()` would buffer the whole result). The watermark page starts at the watermark itself
 * (>=): rows sharing its timestamp are read again, which the raw layer's keyed replace makes harmless.
 */
import type { Knex } from 'knex';
import { extractedColumns, sourceColumns, type DeclaredTable } from './declarations';
import type { SourceRow } from './pseudonymise';

export const PAGE_ROWS = 50_000;

export async function* extractChanges(
	db: Knex,
	table: DeclaredTable,
	watermark: string | undefined,
	pageRows = PAGE_ROWS
): AsyncGenerator<SourceRow[]> {
	const columns = extractedColumns(table);
	const { cursor, primaryKey } = table;
	let after: { cursor: unknown; key: unknown } | undefined;
	for (;;) {
		const query = db(table.sourceTable).select(columns).orderBy([cursor, primaryKey]).limit(pageRows);
		if (after) {
			query.where((q) =>
				q
					.where(cursor, '>', after!.cursor as Knex.Value)
					.orWhere((same) =>
						same
							.where(cursor, '=', after!.cursor as Knex.Value)
							.andWhere(primaryKey, '>', after!.key as Knex.Value)
					)
			);
		} else if (watermark !== undefined) {
			query.where(cursor, '>=', watermark);
		}
		const page = (await query) as SourceRow[];
		if (page.length > 0) yield page;
		if (page.length < pageRows) return;
		const last = page[page.length - 1]!;
		after = { cursor: last[cursor], key: last[primaryKey] };
	}
}

/**
 * How many rows changed since the watermark, counting no further than `limit`: enough to choose an
 * extraction path and size the direct load's blocks, without counting all 16M meal orders on a first
 * night (0.3–0.6 s). The rows are found through the cursor, which the sources index.
 */
export async function countChangesUpTo(
	db: Knex,
	table: DeclaredTable,
	watermark: string | undefined,
	limit: number
): Promise<number> {
	const changed = db(table.sourceTable).select(db.raw('1')).limit(limit);
	if (watermark !== undefined) changed.where(table.cursor, '>=', watermark);
	const [row] = (await db.count({ n: '*' }).from(changed.as('changed'))) as { n: number | string }[];
	return Number(row?.n ?? 0);
}

/** Fails with one line naming the source and the columns it lacks. */
export async function checkSourceColumns(db: Knex, table: DeclaredTable, display: string): Promise<void> {
	let info: Record<string, unknown>;
	try {
		info = await db(table.sourceTable).columnInfo();
	} catch (error) {
		throw new Error(
			`${display}: cannot read table ${table.sourceTable}: ${(error as Error).message.split('\n')[0]}`
		);
	}
	const present = new Set(Object.keys(info));
	if (present.size === 0) throw new Error(`${display}: table ${table.sourceTable} does not exist`);
	const missing = sourceColumns(table).filter((name) => !present.has(name));
	if (missing.length > 0) {
		throw new Error(
			`${display}: table ${table.sourceTable} lacks declared column(s) ${missing.join(', ')}; fix the source or ${table.file}`
		);
	}
}
