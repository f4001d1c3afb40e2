/**
 * Raw tables made by an earlier version of the ETL are brought up to today's layout in place, their
 * rows kept: date-times get the bureau's zone, the run id its compact type.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDeclarations } from '../../../src/lib/server/etl/declarations';
import { ensureRawTables, rawTableDdl } from '../../../src/lib/server/etl/raw-tables';
import { createWarehouse, type Warehouse } from '../../../src/lib/server/warehouse';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raw-tables-'));
const declarations = loadDeclarations().filter((d) => d.sourceTable === 'alerts');
let warehouse: Warehouse;

const columnTypes = async () =>
	Object.fromEntries(
		(
			await warehouse.query<{ name: string; type: string }>(
				"SELECT name, type FROM system.columns WHERE database = 'raw' AND table = 'assistance__alerts'"
			)
		).map((c) => [c.name, c.type])
	);

beforeAll(async () => {
	warehouse = await createWarehouse({ mode: 'embedded', path: path.join(dir, 'warehouse') });
});

afterAll(async () => {
	await warehouse?.close();
	fs.rmSync(dir, { recursive: true, force: true });
});

describe('a raw table made by an earlier version', () => {
	it('gets the zone on its date-times and the compact run id, keeping its rows and times', async () => {
		// The layout before both changes: bare DateTime columns and the run id as plain text.
		const earlier = rawTableDdl(declarations[0]!)
			.replace(/DateTime\('Asia\/Shanghai'\)/g, 'DateTime')
			.replace('`_run_id` LowCardinality(String)', '`_run_id` String');
		expect(earlier).toContain('`_run_id` String');
		await warehouse.command('CREATE DATABASE IF NOT EXISTS raw');
		await warehouse.command(earlier);
		const before = await columnTypes();
		expect(before._run_id).toBe('String');
		expect(before.raised_at).toBe('DateTime');
		await warehouse.command(
			"INSERT INTO raw.assistance__alerts (id, raised_at, _version, _run_id) VALUES (1, '2026-11-27 03:00:00', 1, 'night-1'), (2, '2026-11-27 09:00:00', 2, 'night-2')"
		);

		await ensureRawTables(warehouse, declarations);

		const after = await columnTypes();
		expect(after._run_id).toBe('LowCardinality(String)');
		expect(after.raised_at).toBe("DateTime('Asia/Shanghai')");
		expect(
			await warehouse.query(
				'SELECT id, _run_id, toString(raised_at) AS raised_at FROM raw.assistance__alerts ORDER BY id'
			)
		).toEqual([
			{ id: '1', _run_id: 'night-1', raised_at: '2026-11-27 03:00:00' },
			{ id: '2', _run_id: 'night-2', raised_at: '2026-11-27 09:00:00' }
		]);
	});

	it('is left alone once it has today’s layout', async () => {
		const before = await columnTypes();
		await ensureRawTables(warehouse, declarations);
		expect(await columnTypes()).toEqual(before);
		const [mutations] = await warehouse.query<{ n: string }>(
			"SELECT count() AS n FROM system.mutations WHERE database = 'raw'"
		);
		// The run id's new type rewrote its column once (the zone is metadata only); this call added none.
		expect(Number(mutations!.n)).toBe(1);
	});
});
