/**
 * The generator writes the same world to every engine the bureau runs: SQLite, PostgreSQL and
 * MariaDB/MySQL (the machine's running servers), with the same row counts and content checksums, and a
 * tick on each adds the same day. PostgreSQL and MariaDB work in throwaway schemas/databases.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumAll, type TableChecksum } from '../../../src/lib/server/demo/checksum';
import { generateDemo } from '../../../src/lib/server/demo/generate';
import { tickDemo } from '../../../src/lib/server/demo/tick';
import { openSourceDatabase, parseSourceLocation } from '../../../src/lib/server/sources/connection';

const OPTIONS = { seed: 3, scale: 0.002, asOf: '2026-03-31', progress: 'quiet' as const };
const POSTGRES_URL = process.env.TEST_POSTGRES_URL;
const MYSQL_URL = process.env.TEST_MYSQL_URL;
const suffix = `${process.pid}_${Date.now().toString(36)}`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-engines-'));
const sqliteTarget = path.join(dir, 'operational.sqlite');
let reference: Record<string, TableChecksum>;
let referenceAfterTick: Record<string, TableChecksum>;

async function checksumsOf(target: string): Promise<Record<string, TableChecksum>> {
	const db = openSourceDatabase(parseSourceLocation(target));
	try {
		return await checksumAll(db);
	} finally {
		await db.destroy();
	}
}

beforeAll(async () => {
	await generateDemo({ ...OPTIONS, target: sqliteTarget });
	reference = await checksumsOf(sqliteTarget);
	const ticked = path.join(dir, 'ticked.sqlite');
	fs.copyFileSync(sqliteTarget, ticked);
	await tickDemo(ticked);
	referenceAfterTick = await checksumsOf(ticked);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('SQLite', () => {
	it('holds every table with rows', () => {
		expect(Object.keys(reference)).toHaveLength(21);
		for (const [table, sum] of Object.entries(reference)) expect(sum.rows, table).toBeGreaterThan(0);
	});

	it('changes with a tick', () => {
		expect(referenceAfterTick.meal_orders!.rows).toBeGreaterThan(reference.meal_orders!.rows);
		expect(referenceAfterTick.persons!.sha256).not.toBe(reference.persons!.sha256);
	});
});

/** Runs the same comparison on a server engine, in a database or schema of its own. */
function describeServer(
	name: string,
	url: string | undefined,
	variable: string,
	setup: (admin: Knex) => Promise<string>,
	teardown: (admin: Knex) => Promise<void>,
	listTables: (admin: Knex) => Promise<string[]>
) {
	describe.skipIf(!url)(`${name}${url ? '' : ` (skipped: ${variable} not set)`}`, () => {
		let admin: Knex;
		let target: string;

		beforeAll(async () => {
			admin = openSourceDatabase(parseSourceLocation(url!));
			target = await setup(admin);
		});

		afterAll(async () => {
			await teardown(admin);
			await admin.destroy();
		});

		it('receives the same rows and checksums as SQLite', async () => {
			await generateDemo({ ...OPTIONS, target });
			expect(await checksumsOf(target)).toEqual(reference);
		});

		it('regenerating replaces the data atomically, leaving no build tables behind', async () => {
			await generateDemo({ ...OPTIONS, target });
			expect(await checksumsOf(target)).toEqual(reference);
			const tables = await listTables(admin);
			expect(tables.filter((t) => t.includes('__'))).toEqual([]);
			expect(tables.sort()).toEqual(Object.keys(reference).sort());
		});

		it('gets the same tick as SQLite', async () => {
			await tickDemo(target);
			expect(await checksumsOf(target)).toEqual(referenceAfterTick);
		});
	});
}

const pgSchema = `demo_engines_${suffix}`;
describeServer(
	'PostgreSQL',
	POSTGRES_URL,
	'TEST_POSTGRES_URL',
	async (admin) => {
		await admin.raw('CREATE SCHEMA ??', [pgSchema]);
		const url = new URL(POSTGRES_URL!);
		url.searchParams.set('options', `-c search_path=${pgSchema}`);
		return url.toString();
	},
	async (admin) => {
		await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [pgSchema]);
	},
	async (admin) =>
		(await admin('information_schema.tables').where({ table_schema: pgSchema }).select('table_name')).map(
			(r: { table_name: string }) => r.table_name
		)
);

const mysqlDatabase = `demo_engines_${suffix}`;
describeServer(
	'MariaDB/MySQL',
	MYSQL_URL,
	'TEST_MYSQL_URL',
	async (admin) => {
		await admin.raw('CREATE DATABASE ?? CHARACTER SET utf8mb4', [mysqlDatabase]);
		const url = new URL(MYSQL_URL!);
		url.pathname = `/${mysqlDatabase}`;
		return url.toString();
	},
	async (admin) => {
		await admin.raw('DROP DATABASE IF EXISTS ??', [mysqlDatabase]);
	},
	async (admin) =>
		(
			await admin('information_schema.tables')
				.where({ table_schema: mysqlDatabase })
				.select({ name: 'TABLE_NAME' })
		).map((r: { name: string }) => r.name)
);
