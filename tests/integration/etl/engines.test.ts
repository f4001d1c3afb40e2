/**
 * The ETL reads the bureau's operational databases of every kind it runs — SQLite, PostgreSQL and
 * MariaDB/MySQL (the machine's servers, filled by the generator with the same seed) — and the
 * warehouse ends up with the same contents from each. Server engines join when their URLs are set.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAreas } from '../../../src/lib/server/areas/areas';
import { generateDemo } from '../../../src/lib/server/demo/generate';
import { loadDeclarations } from '../../../src/lib/server/etl/declarations';
import { createPseudonymiser } from '../../../src/lib/server/etl/pseudonymise';
import { runEtl } from '../../../src/lib/server/etl/run-etl';
import { openSourceDatabase, parseSourceLocation } from '../../../src/lib/server/sources/connection';
import { createWarehouse } from '../../../src/lib/server/warehouse';
import { rawChecksums } from '../raw-checksums';

const POSTGRES_URL = process.env.TEST_POSTGRES_URL;
const MYSQL_URL = process.env.TEST_MYSQL_URL;
const DEMO = { seed: 11, scale: 0.002, asOf: '2026-04-30', progress: 'quiet' as const };
const KEY = Buffer.alloc(32, 7);
const suffix = `${process.pid}_${Date.now().toString(36)}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-engines-'));
const systems = ['assistance', 'children', 'elderly', 'community', 'charity'];
let reference: Record<string, string>;

/**
 * Loads one source into a fresh warehouse: a checksum per raw table, and what was quarantined.
 * `statements` collects the text of every statement the ETL runs.
 */
async function load(sourceUrl: string, name: string, directSqlite = true, statements?: string[]) {
	const warehouse = await createWarehouse({ mode: 'embedded', path: path.join(dir, `warehouse-${name}`) });
	try {
		const result = await runEtl({
			warehouse: statements
				? {
						...warehouse,
						command: (sql, params) => (statements.push(sql), warehouse.command(sql, params))
					}
				: warehouse,
			declarations: loadDeclarations(),
			connections: Object.fromEntries(systems.map((s) => [s, sourceUrl])),
			pseudonymiser: createPseudonymiser(KEY),
			key: KEY,
			directSqlite,
			// Every table through the engine, however small, so both paths are compared on all of them.
			directSqliteMinRows: 0,
			areas: loadAreas(),
			runId: name,
			today: '2026-11-28'
		});
		expect(result.tables.filter((t) => t.error)).toEqual([]);
		return {
			raw: await rawChecksums(warehouse),
			quarantine: await warehouse.query(
				'SELECT source, source_key, reason, detail FROM meta.quarantine ORDER BY source, source_key'
			)
		};
	} finally {
		await warehouse.close();
	}
}

async function loadAndChecksum(sourceUrl: string, name: string, directSqlite = true, statements?: string[]) {
	return (await load(sourceUrl, name, directSqlite, statements)).raw;
}

beforeAll(async () => {
	const file = path.join(dir, 'operational.sqlite');
	await generateDemo({ ...DEMO, target: file });
	// The reference pages rows through JavaScript, as for PostgreSQL and MySQL.
	reference = await loadAndChecksum(file, 'sqlite-js', false);
});

it('loads the same warehouse when the engine reads the SQLite file itself, never reading a dropped column', async () => {
	const statements: string[] = [];
	expect(
		await loadAndChecksum(path.join(dir, 'operational.sqlite'), 'sqlite-direct', true, statements)
	).toEqual(reference);
	const withDropped = loadDeclarations().filter((t) => t.columns.some((c) => c.pii === 'drop'));
	expect(withDropped.length).toBeGreaterThan(0);
	for (const table of withDropped) {
		const reads = statements.filter((sql) =>
			sql.startsWith(`INSERT INTO etl_stage.\`${table.rawTable}__in\``)
		);
		expect(reads, table.sourceTable).toHaveLength(1);
		expect(reads[0]).toContain('FROM sqlite(');
		for (const column of table.columns.filter((c) => c.pii === 'drop')) {
			expect(reads[0], `${table.sourceTable}.${column.name}`).not.toContain(`\`${column.name}\``);
		}
	}
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('quarantines text in a number column, days that do not exist and a reused business key, alike on both paths', async () => {
	const file = path.join(dir, 'mistyped.sqlite');
	let duplicated = '';
	fs.copyFileSync(path.join(dir, 'operational.sqlite'), file);
	const source = openSourceDatabase(parseSourceLocation(file));
	try {
		// SQLite keeps what a careless program writes; the engine's sqlite() would read 'abc' as 0.
		await source('meal_orders').where('id', 1).update({ amount: 'abc' });
		await source('meal_orders').where('id', 2).update({ subsidy: '12,5' });
		await source('meal_orders').where('id', 3).update({ ordered_on: '2026-13-45' });
		await source('meal_orders').where('id', 4).update({ ordered_on: '2025-02-30' });
		// Before the first day the warehouse's dates hold: it would be stored as 1900-01-01.
		await source('meal_orders').where('id', 7).update({ ordered_on: '1850-01-01' });
		// The engine reads '-5x' as -5, a negative amount; it is text, not a number.
		await source('meal_orders').where('id', 8).update({ amount: '-5x' });
		// A business key used twice in a first load: the lower id keeps it.
		const [{ order_no: taken }] = await source('meal_orders').where('id', 5).select('order_no');
		await source('meal_orders').where('id', 6).update({ order_no: taken });
		duplicated = String(taken);
	} finally {
		await source.destroy();
	}
	const direct = await load(file, 'mistyped-direct', true);
	expect(direct.quarantine).toEqual([
		{
			source: 'elderly.meal_orders',
			source_key: '1',
			reason: 'invalid_value',
			detail: 'amount is not a number'
		},
		{
			source: 'elderly.meal_orders',
			source_key: '2',
			reason: 'invalid_value',
			detail: 'subsidy is not a number'
		},
		{
			source: 'elderly.meal_orders',
			source_key: '3',
			reason: 'invalid_value',
			detail: 'ordered_on is not a date'
		},
		{
			source: 'elderly.meal_orders',
			source_key: '4',
			reason: 'invalid_value',
			detail: 'ordered_on is not a date'
		},
		{
			source: 'elderly.meal_orders',
			source_key: '6',
			reason: 'duplicate_key',
			detail: `order_no=${duplicated} already belongs to another row`
		},
		{
			source: 'elderly.meal_orders',
			source_key: '7',
			reason: 'invalid_value',
			detail: 'ordered_on is not a date'
		},
		{
			source: 'elderly.meal_orders',
			source_key: '8',
			reason: 'invalid_value',
			detail: 'amount is not a number'
		}
	]);
	expect(direct).toEqual(await load(file, 'mistyped-js', false));
});

it('loads all 20 tables from SQLite', () => {
	expect(Object.keys(reference)).toHaveLength(20);
	for (const [table, sum] of Object.entries(reference))
		expect(Number(sum.split(':')[0]), table).toBeGreaterThan(0);
});

describe.skipIf(!POSTGRES_URL)(
	`PostgreSQL${POSTGRES_URL ? '' : ' (skipped: TEST_POSTGRES_URL not set)'}`,
	() => {
		const schema = `etl_src_${suffix}`;
		const admin = () => openSourceDatabase(parseSourceLocation(POSTGRES_URL!));
		beforeAll(async () => {
			const db = admin();
			await db.raw('CREATE SCHEMA ??', [schema]);
			await db.destroy();
		});
		afterAll(async () => {
			const db = admin();
			await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
			await db.destroy();
		});

		it('gives the same warehouse as SQLite', async () => {
			const url = new URL(POSTGRES_URL!);
			url.searchParams.set('options', `-c search_path=${schema}`);
			await generateDemo({ ...DEMO, target: url.toString() });
			expect(await loadAndChecksum(url.toString(), 'postgres')).toEqual(reference);
		});
	}
);

describe.skipIf(!MYSQL_URL)(`MariaDB/MySQL${MYSQL_URL ? '' : ' (skipped: TEST_MYSQL_URL not set)'}`, () => {
	const database = `etl_src_${suffix}`;
	const admin = () => openSourceDatabase(parseSourceLocation(MYSQL_URL!));
	beforeAll(async () => {
		const db = admin();
		await db.raw('CREATE DATABASE ?? CHARACTER SET utf8mb4', [database]);
		await db.destroy();
	});
	afterAll(async () => {
		const db = admin();
		await db.raw('DROP DATABASE IF EXISTS ??', [database]);
		await db.destroy();
	});

	it('gives the same warehouse as SQLite', async () => {
		const url = new URL(MYSQL_URL!);
		url.pathname = `/${database}`;
		await generateDemo({ ...DEMO, target: url.toString() });
		expect(await loadAndChecksum(url.toString(), 'mysql')).toEqual(reference);
	});
});
