/**
 * Row counts and content checksums of the operational tables, comparable across engines: every value
 * is first written in one canonical text form (dates as YYYY-MM-DD, money with two decimals, booleans
 * as 0/1), so SQLite, PostgreSQL and MariaDB holding the same data give the same hash.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { DEMO_META, TABLES, type Column, type Table } from './schema';

export interface TableChecksum {
	rows: number;
	sha256: string;
}

const PAGE_ROWS = 10_000;

export async function checksumTable(db: Knex, table: Table): Promise<TableChecksum> {
	const hash = createHash('sha256');
	const names = table.columns.map((c) => c.name);
	const key = table.columns.some((c) => c.type === 'id') ? 'id' : names[0]!;
	let rows = 0;
	let after: unknown = undefined;
	// Keyset pages keep memory flat on big tables.
	for (;;) {
		const query = db(table.name).select(names).orderBy(key).limit(PAGE_ROWS);
		if (after !== undefined) query.where(key, '>', after as Knex.Value);
		const page = (await query) as Record<string, unknown>[];
		for (const row of page) {
			hash.update(table.columns.map((c) => canonical(c, row[c.name])).join('\u001f'));
			hash.update('\u001e');
		}
		rows += page.length;
		if (page.length < PAGE_ROWS) break;
		after = page[page.length - 1]![key];
	}
	return { rows, sha256: hash.digest('hex') };
}

export async function checksumAll(db: Knex): Promise<Record<string, TableChecksum>> {
	const out: Record<string, TableChecksum> = {};
	for (const table of [...TABLES, DEMO_META]) out[table.name] = await checksumTable(db, table);
	return out;
}

function canonical(column: Column, value: unknown): string {
	if (value === null || value === undefined) return '\\N';
	switch (column.type) {
		case 'id':
		case 'int':
			return String(Number(value));
		case 'decimal':
			return Number(value).toFixed(2);
		case 'bool':
			return value === true || value === 1 || value === '1' || value === 't' ? '1' : '0';
		case 'date':
			return String(value).slice(0, 10);
		case 'datetime':
			return String(value).slice(0, 19).replace('T', ' ');
		case 'string':
			return String(value);
	}
}
