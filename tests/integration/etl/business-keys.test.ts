/**
 * Business keys on a first load read by the engine. The load tallies the keys of each block it writes
 * (a quarter of a table this size): a key held twice within a block, or by two blocks far apart, still
 * goes to the quarantine, and raw is asked only when the blocks' ranges of keys overlap. The JS path,
 * which settles every key in raw, agrees.
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
import { createWarehouse } from '../../../src/lib/server/warehouse';

const KEY = Buffer.alloc(32, 3);
/** Blocks of 35,000 rows (BLOCKS_PER_SMALLER_TABLE). */
const ROWS = 140_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-keys-'));

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A meal-orders table of ROWS rows, numbered by `orderNo(id)`, in a SQLite file of its own. */
function writeOrders(name: string, orderNo: (id: number) => string): string {
	const file = path.join(dir, `${name}.sqlite`);
	const db = new Database(file);
	const township = loadAreas().townships[0]!.code;
	db.exec(`CREATE TABLE meal_orders (id integer not null primary key, order_no varchar(20) not null,
		elder_id integer not null, facility_id integer not null, township_code varchar(9) not null,
		ordered_on date not null, meal varchar(8) not null, amount float not null, subsidy float not null,
		updated_at datetime not null)`);
	const insert = db.prepare('INSERT INTO meal_orders VALUES (?, ?, 1, 1, ?, ?, ?, 15.5, 3, ?)');
	db.transaction(() => {
		for (let id = 1; id <= ROWS; id++) {
			insert.run(id, orderNo(id), township, '2026-05-01', '午餐', '2026-05-01 11:30:00');
		}
	})();
	db.close();
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
