/**
 * Choosing an extraction path counts a source's changed rows only as far as the choice needs: on a
 * first night that is a few thousand rows, not the whole table. And an extraction never reads a
 * column the declarations drop.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDeclarations, type DeclaredTable } from '../../../src/lib/server/etl/declarations';
import { countChangesUpTo, extractChanges } from '../../../src/lib/server/etl/extract';
import { findRowsWithTextInNumbers } from '../../../src/lib/server/etl/misread-rows';
import { openSourceDatabase, parseSourceLocation } from '../../../src/lib/server/sources/connection';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'extract-'));
const table = loadDeclarations().find((d) => d.sourceTable === 'alerts')!;
let db: Knex;

/** A table with a visitor's name and phone, which the declarations drop. */
const visits = {
	sourceTable: 'visits',
	primaryKey: 'id',
	cursor: 'updated_at',
	columns: [
		{ name: 'id', type: 'integer', pii: 'keep', nullable: false },
		{ name: 'visitor_name', type: 'string', pii: 'drop', nullable: false },
		{ name: 'phone', type: 'string', pii: 'drop', nullable: true },
		{ name: 'fee', type: 'decimal', pii: 'keep', nullable: false, min: 0 },
		{ name: 'updated_at', type: 'datetime', pii: 'keep', nullable: false }
	]
} as unknown as DeclaredTable;

beforeAll(async () => {
	db = openSourceDatabase(parseSourceLocation(path.join(dir, 'source.sqlite')), { create: true });
	await db.schema.createTable(table.sourceTable, (t) => {
		t.integer(table.primaryKey).primary();
		t.string(table.cursor).index();
	});
	// Twelve rows, changed on 1 to 12 November.
	await db(table.sourceTable).insert(
		Array.from({ length: 12 }, (_, i) => ({
			[table.primaryKey]: i + 1,
			[table.cursor]: `2026-11-${String(i + 1).padStart(2, '0')} 08:00:00`
		}))
	);
	await db.schema.createTable('visits', (t) => {
		t.integer('id').primary();
		t.string('visitor_name');
		t.string('phone');
		t.float('fee');
		t.string('updated_at');
	});
	await db('visits').insert([
		{ id: 1, visitor_name: '访客甲', phone: '00000000000', fee: 12.5, updated_at: '2026-11-01 08:00:00' },
		// Text in a number column, which the engine would misread: found by SQLite itself.
		{ id: 2, visitor_name: '访客乙', phone: null, fee: 'abc', updated_at: '2026-11-02 08:00:00' }
	]);
});

afterAll(async () => {
	await db?.destroy();
	fs.rmSync(dir, { recursive: true, force: true });
});

describe('counting changed rows up to a limit', () => {
	it('stops at the limit', async () => {
		expect(await countChangesUpTo(db, table, undefined, 5)).toBe(5);
		expect(await countChangesUpTo(db, table, '2026-11-03 00:00:00', 5)).toBe(5);
	});

	it('counts every changed row when there are fewer than the limit', async () => {
		expect(await countChangesUpTo(db, table, undefined, 100)).toBe(12);
		// The watermark itself is included: rows sharing its time are read again.
		expect(await countChangesUpTo(db, table, '2026-11-09 08:00:00', 100)).toBe(4);
		expect(await countChangesUpTo(db, table, '2026-12-01 00:00:00', 100)).toBe(0);
	});
});

describe('what an extraction reads', () => {
	it('never reads a dropped column, on either path', async () => {
		const pages = [];
		for await (const page of extractChanges(db, visits, undefined)) pages.push(...page);
		expect(pages.map((row) => Object.keys(row).sort())).toEqual([
			['fee', 'id', 'updated_at'],
			['fee', 'id', 'updated_at']
		]);
		// The engine's path reads the same columns; the rows SQLite finds it would misread, too.
		expect(await findRowsWithTextInNumbers(db, path.join(dir, 'source.sqlite'), visits, undefined)).toEqual([
			{ id: 2, fee: 'abc', updated_at: '2026-11-02 08:00:00' }
		]);
	});
});
