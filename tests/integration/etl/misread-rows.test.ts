/**
 * A scan for text in number columns begun before the load, and completed after it: the rows holding
 * such text when the load is over, whatever changed in between. Then a first night whose meal orders
 * are scanned early quarantines the same rows as one scanned beside the load.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Knex } from 'knex';
import { afterAll, expect, it } from 'vitest';
import { loadAreas } from '../../../src/lib/server/areas/areas';
import { loadDeclarations } from '../../../src/lib/server/etl/declarations';
import { completeEarlyScan, scanEarly } from '../../../src/lib/server/etl/misread-rows';
import { createPseudonymiser } from '../../../src/lib/server/etl/pseudonymise';
import { runEtl } from '../../../src/lib/server/etl/run-etl';
import { openSourceDatabase, parseSourceLocation } from '../../../src/lib/server/sources/connection';
import { createWarehouse } from '../../../src/lib/server/warehouse';
import { writeMealOrders } from './meal-orders-source';

const KEY = Buffer.alloc(32, 5);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-misread-'));
const mealOrders = loadDeclarations().find((t) => t.sourceTable === 'meal_orders')!;
const sources: Knex[] = [];

afterAll(async () => {
	for (const db of sources) await db.destroy();
	fs.rmSync(dir, { recursive: true, force: true });
});

/** Meal orders 1..rows, changed on 1 May; `amount(id)` is what SQLite holds in the REAL column. */
function writeOrders(name: string, rows: number, amount: (id: number) => number | string): string {
	const file = path.join(dir, `${name}.sqlite`);
	writeMealOrders(file, rows, (id) => ({ orderNo: `DC${String(id).padStart(10, '0')}`, amount: amount(id) }));
	return file;
}

function open(file: string): Knex {
	const db = openSourceDatabase(parseSourceLocation(file), { readonly: true });
	sources.push(db);
	return db;
}

const ids = (rows: Record<string, unknown>[]) => rows.map((row) => Number(row.id)).sort((a, b) => a - b);

it('completes an early scan with the rows changed since it began, mended ones left out', async () => {
	const file = writeOrders('changing', 100, (id) => (id === 10 || id === 20 ? 'abc' : 15.5));
	const db = open(file);
	const scan = await scanEarly(db, file, mealOrders, undefined);
	expect(ids(scan.rows)).toEqual([10, 20]);
	expect(scan.highestCursor).toBe('2026-05-01 11:30:00');

	// While the load would run: row 10 mended, row 30 spoilt, row 101 added with text in it.
	const writer = new Database(file);
	writer
		.prepare(`UPDATE meal_orders SET amount = 16, updated_at = '2026-05-01 12:00:00' WHERE id = 10`)
		.run();
	writer
		.prepare(`UPDATE meal_orders SET amount = '12,5', updated_at = '2026-05-01 12:00:00' WHERE id = 30`)
		.run();
	writer
		.prepare(
			`INSERT INTO meal_orders SELECT 101, 'DC0000000101', elder_id, facility_id, township_code, ordered_on,
			 meal, 'x', subsidy, '2026-05-01 12:01:00' FROM meal_orders WHERE id = 1`
		)
		.run();
	writer.close();

	const now = await completeEarlyScan(db, mealOrders, undefined, scan);
	expect(ids(now)).toEqual([20, 30, 101]);
	// As SQLite holds them, for the JS path's rules.
	expect(now.find((row) => Number(row.id) === 30)?.amount).toBe('12,5');
});

it('completes a scan that found nothing, and one made before any row had changed', async () => {
	const file = writeOrders('clean', 50, () => 15.5);
	const db = open(file);
	const scan = await scanEarly(db, file, mealOrders, '2026-06-01 00:00:00');
	expect(scan).toEqual({
		rows: [],
		highestCursor: undefined,
		columns: ['elder_id', 'facility_id', 'amount', 'subsidy']
	});
	const writer = new Database(file);
	writer
		.prepare(`UPDATE meal_orders SET amount = 'n/a', updated_at = '2026-06-02 08:00:00' WHERE id = 7`)
		.run();
	writer.close();
	expect(ids(await completeEarlyScan(db, mealOrders, '2026-06-01 00:00:00', scan))).toEqual([7]);
});

it('quarantines the same rows on a first night whether the scan begins early or beside the load', async () => {
	const file = writeOrders('night', 20_000, (id) =>
		id % 5_000 === 0 ? 'abc' : id === 1_234 ? '12,5' : 15.5
	);
	const nights = [];
	for (const earlyScanMinRows of [1, Number.MAX_SAFE_INTEGER]) {
		const warehouse = await createWarehouse({
			mode: 'embedded',
			path: path.join(dir, `warehouse-${earlyScanMinRows}`)
		});
		try {
			const result = await runEtl({
				warehouse,
				declarations: [mealOrders],
				connections: { elderly: file },
				pseudonymiser: createPseudonymiser(KEY),
				key: KEY,
				earlyScanMinRows,
				areas: loadAreas(),
				runId: 'night',
				today: '2026-11-28'
			});
			const quarantine = await warehouse.query<{ source_key: string; reason: string; detail: string }>(
				'SELECT source_key, reason, detail FROM meta.quarantine ORDER BY toUInt64(source_key)'
			);
			const [{ n } = { n: '' }] = await warehouse.query<{ n: string }>(
				'SELECT count() AS n FROM raw.elderly__meal_orders FINAL WHERE amount = 0 OR amount = 12'
			);
			nights.push({ table: result.tables[0], quarantine, misreadInRaw: Number(n) });
		} finally {
			await warehouse.close();
		}
	}
	const [early, beside] = nights;
	expect(early!.table).toMatchObject({ read: 20_000, loaded: 19_995, quarantined: 5 });
	expect(early!.quarantine.map((q) => [q.source_key, q.reason])).toEqual([
		['1234', 'invalid_value'],
		['5000', 'invalid_value'],
		['10000', 'invalid_value'],
		['15000', 'invalid_value'],
		['20000', 'invalid_value']
	]);
	expect(early!.misreadInRaw).toBe(0);
	expect(beside!.quarantine).toEqual(early!.quarantine);
	expect({ ...beside!.table, seconds: 0 }).toEqual({ ...early!.table, seconds: 0 });
});
