/**
 * The ETL on real databases: demo operational data (SQLite) into the embedded ClickHouse. Personal data
 * never lands; a tick's inserts, updates and soft deletes arrive; its bad rows end in quarantine with
 * the right reason; a rerun of the same night changes nothing; an unreachable system fails alone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAreas } from '../../../src/lib/server/areas/areas';
import { generateDemo } from '../../../src/lib/server/demo/generate';
import { isValidIdNumber } from '../../../src/lib/server/demo/identity';
import { tickDemo, type TickSummary } from '../../../src/lib/server/demo/tick';
import { loadDeclarations } from '../../../src/lib/server/etl/declarations';
import { createPseudonymiser, loadOrCreateKey } from '../../../src/lib/server/etl/pseudonymise';
import { runEtl, type EtlOptions } from '../../../src/lib/server/etl/run-etl';
import { createWarehouse, type Warehouse } from '../../../src/lib/server/warehouse';
import { rawChecksums } from '../raw-checksums';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-'));
const source = path.join(dir, 'operational.sqlite');
const systems = ['assistance', 'children', 'elderly', 'community', 'charity'];
let warehouse: Warehouse;
let options: EtlOptions;
let tick: TickSummary;

const count = async (sql: string) =>
	Number(Object.values((await warehouse.query<Record<string, string>>(sql))[0]!)[0]);
const sourceDb = () =>
	knex({ client: 'better-sqlite3', connection: { filename: source }, useNullAsDefault: true });

/** Every raw table's latest rows and the quarantine: equal contents, equal checksums. */
async function warehouseChecksum(): Promise<Record<string, string>> {
	return {
		...(await rawChecksums(warehouse)),
		quarantine: String(
			await count(
				'SELECT groupBitXor(cityHash64(source, source_key, reason, detail, row)) FROM meta.quarantine FINAL'
			)
		)
	};
}

/**
 * Any 18-character run that is shaped like a resident ID number: a birth date at its place and a
 * valid check character. (Organisations' credit codes are 18 characters too, but never this shape.)
 */
function looksLikeIdNumber(value: string): boolean {
	for (const match of value.matchAll(/\d{17}[\dX]/g)) {
		const id = match[0];
		if (/^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/.test(id.slice(6, 14)) && isValidIdNumber(id))
			return true;
	}
	return false;
}

beforeAll(async () => {
	await generateDemo({ seed: 5, scale: 0.003, asOf: '2026-06-30', target: source, progress: 'quiet' });
	warehouse = await createWarehouse({ mode: 'embedded', path: path.join(dir, 'warehouse') });
	const key = loadOrCreateKey(path.join(dir, 'pseudonym.key'));
	options = {
		warehouse,
		declarations: loadDeclarations(),
		connections: Object.fromEntries(systems.map((s) => [s, source])),
		pseudonymiser: createPseudonymiser(key),
		key,
		areas: loadAreas(),
		runId: 'night-1',
		today: '2026-11-28'
	};
});

afterAll(async () => {
	await warehouse?.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

describe('the first night', () => {
	it('loads every row of every table, quarantining none of the clean demo data', async () => {
		const result = await runEtl(options);
		expect(result.status).toBe('success');
		const db = sourceDb();
		try {
			for (const load of result.tables) {
				const [, table] = load.source.split('.');
				const rows = Number((await db(table!).count({ n: '*' }))[0]!.n);
				expect(load.read, load.source).toBe(rows);
				expect(load.loaded, load.source).toBe(rows);
				expect(load.quarantined, load.source).toBe(0);
			}
		} finally {
			await db.destroy();
		}
		expect(await count('SELECT count() FROM raw.assistance__persons FINAL')).toBe(
			result.tables.find((t) => t.source === 'assistance.persons')!.loaded
		);
	});

	it('keeps the key file private', () => {
		expect(fs.statSync(path.join(dir, 'pseudonym.key')).mode & 0o777).toBe(0o600);
	});

	it("puts each time on Qingdao's calendar day, also after the warehouse restarts", async () => {
		// Before 08:00 in Qingdao it is still the day before in UTC, the embedded server's own zone. A table
		// reopened by a new process reads a date-time column without a zone in the server's zone.
		await warehouse.close();
		warehouse = await createWarehouse({ mode: 'embedded', path: path.join(dir, 'warehouse') });
		options = { ...options, warehouse };
		const db = sourceDb();
		let early: { id: number; raised_at: string }[];
		try {
			early = await db('alerts').where(db.raw("substr(raised_at, 12, 2) < '08'")).select('id', 'raised_at');
		} finally {
			await db.destroy();
		}
		expect(early.length).toBeGreaterThan(0);
		const days = await warehouse.query<{ id: string; day: string; month: number }>(
			'SELECT id, toString(toDate(raised_at)) AS day, toYYYYMM(raised_at) AS month FROM raw.assistance__alerts WHERE id IN {ids:Array(Int64)} ORDER BY id',
			{ ids: early.map((a) => a.id) }
		);
		const expected = early
			.map((a) => ({
				id: String(a.id),
				day: a.raised_at.slice(0, 10),
				month: Number(a.raised_at.slice(0, 7).replace('-', ''))
			}))
			.sort((a, b) => Number(a.id) - Number(b.id));
		expect(days).toEqual(expected);
	});

	it('leaves no name, phone or ID number anywhere in the warehouse', async () => {
		const db = sourceDb();
		const names = new Set<string>();
		const idNumbers = new Set<string>();
		try {
			for (const table of ['persons', 'children', 'elders']) {
				for (const row of await db(table).select('name', 'id_number')) {
					names.add(row.name);
					idNumbers.add(row.id_number);
				}
			}
		} finally {
			await db.destroy();
		}
		const columns = await warehouse.query<{ database: string; table: string; name: string }>(
			"SELECT database, table, name FROM system.columns WHERE database NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema') AND type LIKE '%String%'"
		);
		expect(columns.length).toBeGreaterThan(20);
		for (const column of columns) {
			const values = (
				await warehouse.query<{ v: string }>(
					`SELECT DISTINCT toString(\`${column.name}\`) AS v FROM \`${column.database}\`.\`${column.table}\``
				)
			)
				.map((r) => r.v)
				.filter((v): v is string => v !== null);
			const where = `${column.database}.${column.table}.${column.name}`;
			for (const value of values) {
				expect(looksLikeIdNumber(value), `${where} holds an ID number: ${value}`).toBe(false);
				expect(/\b1[3-9]\d{9}\b/.test(value), `${where} holds a mobile number`).toBe(false);
				expect(idNumbers.has(value), `${where} holds an ID number`).toBe(false);
				expect(names.has(value), `${where} holds a name: ${value}`).toBe(false);
			}
		}
		// The hashes still count people distinctly.
		expect(await count('SELECT uniqExact(id_number_hash) FROM raw.assistance__persons')).toBe(
			await count('SELECT count() FROM raw.assistance__persons')
		);
	});
});

describe('a night after a tick', () => {
	beforeAll(async () => {
		tick = await tickDemo(source);
		const result = await runEtl({ ...options, runId: 'night-2' });
		expect(result.status).toBe('success');
	});

	it('brings the day’s inserts, updates and soft deletes', async () => {
		const db = sourceDb();
		try {
			const exited = await db('persons').where({ status: 'exited', exited_on: tick.day }).select('id');
			expect(exited.length).toBeGreaterThan(0);
			for (const { id } of exited) {
				expect(
					await count(`SELECT countIf(status = 'exited') FROM raw.assistance__persons FINAL WHERE id = ${id}`)
				).toBe(1);
			}
			const deleted = await db('donations').where({ is_deleted: 1 }).select('id');
			expect(deleted.length).toBeGreaterThan(0);
			for (const { id } of deleted) {
				expect(await count(`SELECT max(_deleted) FROM raw.charity__donations FINAL WHERE id = ${id}`)).toBe(
					1
				);
			}
			const newOrders = Number(
				(await db('meal_orders').where({ ordered_on: tick.day }).count({ n: '*' }))[0]!.n
			);
			expect(
				await count(`SELECT count() FROM raw.elderly__meal_orders FINAL WHERE ordered_on = '${tick.day}'`)
			).toBe(newOrders - 2);
		} finally {
			await db.destroy();
		}
	});

	it('puts every deliberately bad row in quarantine with the right reason', async () => {
		const quarantined = await warehouse.query<{ source: string; source_key: string; reason: string }>(
			'SELECT source, source_key, reason FROM meta.quarantine FINAL ORDER BY source, source_key'
		);
		const expected = tick.badRows
			.map((b) => ({
				source: `${b.table === 'meal_orders' ? 'elderly' : b.table === 'donations' ? 'charity' : 'children'}.${b.table}`,
				source_key: String(b.id),
				reason: b.reason
			}))
			.sort((a, b) => a.source.localeCompare(b.source) || a.source_key.localeCompare(b.source_key));
		expect(quarantined).toEqual(expected);
		// The quarantined rows carry no personal data either.
		const rows = await warehouse.query<{ row: string }>('SELECT row FROM meta.quarantine');
		for (const { row } of rows) expect(row).not.toMatch(/"(name|phone|address|id_number|birth_date)"/);
	});

	it('gives the same warehouse when the night is run again', async () => {
		const before = await warehouseChecksum();
		const again = await runEtl({ ...options, runId: 'night-2-again' });
		expect(again.status).toBe('success');
		expect(await warehouseChecksum()).toEqual(before);
	});
});

describe('a system that cannot be reached', () => {
	it('fails alone, with a clear message, and the run is partial', async () => {
		const result = await runEtl({
			...options,
			runId: 'night-3',
			connections: { ...options.connections, charity: 'postgres://nobody@127.0.0.1:1/charity' }
		});
		expect(result.status).toBe('partial');
		const charity = result.tables.filter((t) => t.source.startsWith('charity.'));
		expect(
			charity.every((t) =>
				/cannot reach the charity \(postgres:\/\/nobody@127\.0\.0\.1:1\/charity\) database/.test(
					t.error ?? ''
				)
			)
		).toBe(true);
		expect(result.tables.filter((t) => !t.source.startsWith('charity.')).every((t) => !t.error)).toBe(true);
	});

	it('names the source and the missing column when a table lost a declared column', async () => {
		const broken = path.join(dir, 'broken.sqlite');
		fs.copyFileSync(source, broken);
		const db = knex({ client: 'better-sqlite3', connection: { filename: broken }, useNullAsDefault: true });
		await db.raw('ALTER TABLE donations DROP COLUMN channel');
		await db.destroy();
		const result = await runEtl({
			...options,
			runId: 'night-4',
			connections: { ...options.connections, charity: broken }
		});
		expect(result.status).toBe('partial');
		const donations = result.tables.find((t) => t.source === 'charity.donations')!;
		expect(donations.error).toMatch(
			/^charity \(.*broken\.sqlite\): table donations lacks declared column\(s\) channel; fix the source or models\/staging\/charity\/_charity__sources\.yml$/
		);
		expect(result.tables.find((t) => t.source === 'charity.charity_orgs')!.error).toBeUndefined();
	});
});
