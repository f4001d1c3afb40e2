/**
 * Business keys read by the engine. On a first load it tallies the keys of each block it writes (a
 * quarter of a table this size): a key held twice within a block, or by two blocks far apart, still
 * goes to the quarantine, and raw is asked only when the blocks' ranges of keys overlap. A later
 * night's changes are settled before they reach raw. The JS path, which settles every key in raw,
 * agrees.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { loadAreas } from '../../../src/lib/server/areas/areas';
import { loadDeclarations } from '../../../src/lib/server/etl/declarations';
import { createPseudonymiser } from '../../../src/lib/server/etl/pseudonymise';
import { runEtl } from '../../../src/lib/server/etl/run-etl';
import { createWarehouse, type Warehouse } from '../../../src/lib/server/warehouse';
import { writeMealOrders } from './meal-orders-source';

const KEY = Buffer.alloc(32, 3);
/** Blocks of 35,000 rows (BLOCKS_PER_SMALLER_TABLE). */
const ROWS = 140_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-keys-'));

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A meal-orders table of ROWS rows, numbered by `orderNo(id)`, in a SQLite file of its own. */
function writeOrders(name: string, orderNo: (id: number) => string): string {
	const file = path.join(dir, `${name}.sqlite`);
	writeMealOrders(file, ROWS, (id) => ({ orderNo: orderNo(id), amount: 15.5 }));
	return file;
}

/** The meal orders alone, through the engine or through JavaScript: the quarantine and the statements. */
async function load(file: string, name: string, directSqlite: boolean) {
	const warehouse = await createWarehouse({ mode: 'embedded', path: path.join(dir, `warehouse-${name}`) });
	const queries: string[] = [];
	try {
		const result = await runEtl({
			warehouse: { ...warehouse, query: (sql, params) => (queries.push(sql), warehouse.query(sql, params)) },
			declarations: loadDeclarations().filter((t) => t.sourceTable === 'meal_orders'),
			connections: { elderly: file },
			pseudonymiser: createPseudonymiser(KEY),
			key: KEY,
			directSqlite,
			areas: loadAreas(),
			runId: name,
			today: '2026-11-28'
		});
		expect(result.tables.map((t) => [t.read, t.error])).toEqual([[ROWS, undefined]]);
		const quarantine = await warehouse.query<{ source_key: string; reason: string }>(
			'SELECT source_key, reason FROM meta.quarantine ORDER BY toUInt64(source_key)'
		);
		const [counted] = await warehouse.query<{ n: string }>(
			'SELECT count() AS n FROM raw.elderly__meal_orders FINAL'
		);
		const askedRaw = queries.some((sql) => sql.includes('cityHash64(toString(`order_no`))'));
		return { quarantine, inRaw: Number(counted?.n), askedRaw };
	} finally {
		await warehouse.close();
	}
}

const numbered = (id: number) => `DC${String(id).padStart(10, '0')}`;

it('takes distinct keys in rising order from the blocks alone', async () => {
	const file = writeOrders('rising', numbered);
	const direct = await load(file, 'rising-direct', true);
	expect(direct).toEqual({ quarantine: [], inRaw: ROWS, askedRaw: false });
});

it('finds a key held twice by blocks far apart, as the JS path does', async () => {
	// Row 130,000 reuses row 10's key: each block alone holds its keys once, but their ranges overlap.
	const file = writeOrders('far-apart', (id) => numbered(id === 130_000 ? 10 : id));
	const direct = await load(file, 'far-apart-direct', true);
	const expected = [{ source_key: '130000', reason: 'duplicate_key' }];
	expect(direct).toEqual({ quarantine: expected, inRaw: ROWS - 1, askedRaw: true });
	expect((await load(file, 'far-apart-js', false)).quarantine).toEqual(expected);
});

it('finds a key held twice within a block', async () => {
	const file = writeOrders('within', (id) => numbered(id === 11 ? 10 : id));
	const direct = await load(file, 'within-direct', true);
	expect(direct.quarantine).toEqual([{ source_key: '11', reason: 'duplicate_key' }]);
	expect(direct.inRaw).toBe(ROWS - 1);
});

it('asks raw when distinct keys do not rise with the rows, and quarantines none', async () => {
	// The second half numbered downwards, below the first: the blocks' ranges overlap.
	const file = writeOrders('unordered', (id) => numbered(id <= ROWS / 2 ? ROWS + id : ROWS - id + 1));
	expect(await load(file, 'unordered-direct', true)).toEqual({ quarantine: [], inRaw: ROWS, askedRaw: true });
});

/** One night of the meal orders in `file` into `warehouse`; the engine reads even a few changed rows. */
async function night(warehouse: Warehouse, file: string, runId: string, directSqlite: boolean) {
	const result = await runEtl({
		warehouse,
		declarations: loadDeclarations().filter((t) => t.sourceTable === 'meal_orders'),
		connections: { elderly: file },
		pseudonymiser: createPseudonymiser(KEY),
		key: KEY,
		directSqlite,
		directSqliteMinRows: 0,
		areas: loadAreas(),
		runId,
		today: '2026-11-28'
	});
	expect(result.tables.map((t) => t.error)).toEqual([undefined]);
	return result.tables[0]!;
}

/** A later day's changes: new orders reusing keys, two orders swapping theirs, and a bad one. */
function changeOrders(file: string): void {
	const db = new Database(file);
	const township = loadAreas().townships[0]!.code;
	const later = '2026-05-02 09:00:00';
	const insert = db.prepare(
		`INSERT INTO meal_orders VALUES (?, ?, 1, 1, ?, '2026-05-02', '午餐', 15.5, 3, ?)`
	);
	insert.run(ROWS + 1, numbered(5), township, later); // row 5 keeps its key
	insert.run(ROWS + 2, 'DCNEW1', township, later);
	insert.run(ROWS + 3, 'DCNEW1', township, later); // the lower id keeps it
	insert.run(ROWS + 4, 'DCNEW2', '370299999', later); // unknown area: it takes no key
	insert.run(ROWS + 5, 'DCNEW2', township, later);
	const rekey = db.prepare('UPDATE meal_orders SET order_no = ?, updated_at = ? WHERE id = ?');
	rekey.run(numbered(8), later, 7);
	rekey.run(numbered(7), later, 8);
	db.close();
}

it("settles a later night's keys before its rows reach raw, with no mutation, on both paths", async () => {
	const original = writeOrders('later', numbered);
	// All but the last row made earlier: the next night reads that one again (its watermark), and the changes.
	const db = new Database(original);
	db.prepare(`UPDATE meal_orders SET updated_at = '2026-05-01 10:00:00' WHERE id < ?`).run(ROWS);
	db.close();
	const outcomes = [];
	for (const directSqlite of [true, false]) {
		const file = path.join(dir, `later-${directSqlite}.sqlite`);
		fs.copyFileSync(original, file);
		const warehouse = await createWarehouse({
			mode: 'embedded',
			path: path.join(dir, `warehouse-later-${directSqlite}`)
		});
		try {
			await night(warehouse, file, 'night-1', directSqlite);
			changeOrders(file);
			const second = await night(warehouse, file, 'night-2', directSqlite);
			expect([second.read, second.loaded, second.quarantined]).toEqual([8, 5, 3]);
			// A night killed before its watermark was saved, run again: nothing doubles.
			await warehouse.command(`DELETE FROM meta.etl_watermarks WHERE run_id = 'night-2'`);
			await night(warehouse, file, 'night-2-again', directSqlite);
			const quarantine = await warehouse.query<{ source_key: string; reason: string }>(
				'SELECT source_key, reason FROM meta.quarantine FINAL ORDER BY toUInt64(source_key)'
			);
			const held = await warehouse.query<{ row: string; order_no: string }>(
				`SELECT toString(id) AS row, order_no FROM raw.elderly__meal_orders FINAL
				 WHERE id IN (5, 7, 8) OR id > ${ROWS} ORDER BY id`
			);
			const [{ n: inRaw } = { n: '' }] = await warehouse.query<{ n: string }>(
				'SELECT count() AS n FROM raw.elderly__meal_orders FINAL'
			);
			const [{ n: mutations } = { n: '' }] = await warehouse.query<{ n: string }>(
				`SELECT count() AS n FROM system.mutations WHERE database = 'raw'`
			);
			outcomes.push({ quarantine, held, inRaw: Number(inRaw), mutations: Number(mutations) });
		} finally {
			await warehouse.close();
		}
	}
	const [direct, js] = outcomes;
	expect(direct!.quarantine).toEqual([
		{ source_key: String(ROWS + 1), reason: 'duplicate_key' },
		{ source_key: String(ROWS + 3), reason: 'duplicate_key' },
		{ source_key: String(ROWS + 4), reason: 'unknown_area_code' }
	]);
	expect(direct!.held).toEqual([
		{ row: '5', order_no: numbered(5) },
		{ row: '7', order_no: numbered(8) },
		{ row: '8', order_no: numbered(7) },
		{ row: String(ROWS + 2), order_no: 'DCNEW1' },
		{ row: String(ROWS + 5), order_no: 'DCNEW2' }
	]);
	expect(direct!.inRaw).toBe(ROWS + 2);
	// No loser was taken back out of raw, on either path: it never got there.
	expect(direct!.mutations).toBe(0);
	expect(js).toEqual(direct);
});
