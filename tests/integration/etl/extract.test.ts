/**
 * Choosing an extraction path counts a source's changed rows only as far as the choice needs: on a
 * first night that is a few thousand rows, not the whole table.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDeclarations } from '../../../src/lib/server/etl/declarations';
import { countChangesUpTo } from '../../../src/lib/server/etl/extract';
import { openSourceDatabase, parseSourceLocation } from '../../../src/lib/server/sources/connection';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'extract-'));
const table = loadDeclarations().find((d) => d.sourceTable === 'alerts')!;
let db: Knex;

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
