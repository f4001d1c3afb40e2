import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	createWarehouse,
	DataDirLockedError,
	ensureDatabase,
	quoteIdentifier,
	tableExists,
	WAREHOUSE_TIMEZONE,
	WarehouseError,
	type Warehouse
} from '$lib/server/warehouse';

let root: string;
let dir: string;
let wh: Warehouse;

beforeAll(async () => {
	root = await mkdtemp(path.join(os.tmpdir(), 'warehouse-client-'));
	dir = path.join(root, 'warehouse');
	wh = await createWarehouse({ mode: 'embedded', path: dir });
	await ensureDatabase(wh, 'test');
	await wh.command(
		`CREATE TABLE test.people (id UInt64, name String, amount Nullable(Float64), seen_at DateTime)
		 ENGINE = MergeTree ORDER BY id`
	);
});

afterAll(async () => {
	await wh?.close();
	if (root) await rm(root, { recursive: true, force: true });
});

/** Rejects with what `promise` rejected with, or fails when it resolved. */
async function catchError(promise: Promise<unknown>): Promise<WarehouseError> {
	const err = await promise.then(
		() => undefined,
		(e: unknown) => e
	);
	expect(err).toBeInstanceOf(WarehouseError);
	return err as WarehouseError;
}

describe('embedded warehouse', () => {
	it('opens the engine in process and owns the data directory', async () => {
		expect(wh.mode).toBe('embedded');
		expect(wh.location).toBe(dir);
		expect(wh.onCluster).toBe('');
		expect(await wh.version()).toMatch(/^2\d\.\d+\./);
		expect(await wh.ping()).toEqual({ success: true });
		const lock = JSON.parse(await readFile(path.join(dir, 'owner.lock'), 'utf8'));
		expect(lock).toMatchObject({ pid: process.pid, hostname: os.hostname() });
	});

	it('runs DDL and finds tables through system.tables', async () => {
		expect(await tableExists(wh, 'test', 'people')).toBe(true);
		expect(await tableExists(wh, 'test', 'nobody')).toBe(false);
		const odd = 'odd `name` \\ 名称';
		await wh.command(`CREATE TABLE test.${quoteIdentifier(odd)} (x UInt8) ENGINE = Memory`);
		expect(await tableExists(wh, 'test', odd)).toBe(true);
	});

	it('inserts objects, compact arrays and a stream', async () => {
		await wh.insert('test.people', [
			{ id: 1, name: `O'Brien "the" 张三`, amount: 12.5, seen_at: '2024-03-05T01:02:03Z' },
			{ id: 2, name: 'plain', amount: null, seen_at: '2024-03-05 10:00:00' }
		]);
		await wh.insert('test.people', [[3, '李四', 1, '2024/03/06 08:00']], {
			format: 'JSONCompactEachRow',
			columns: ['id', 'name', 'amount', 'seen_at']
		});
		const rows = Readable.from(
			Array.from({ length: 5000 }, (_, i) => ({
				id: 1000 + i,
				name: `n${i}`,
				amount: i,
				seen_at: '2024-01-01'
			}))
		);
		await wh.insert('test.people', rows);

		const [count] = await wh.query<{ n: string }>('SELECT count() AS n FROM test.people');
		expect(count).toEqual({ n: '5003' });
	});

	it('binds values on the server, strings with quotes and Chinese included', async () => {
		const name = `O'Brien "the" 张三`;
		const rows = await wh.query<{ id: string; name: string; seen_at: string }>(
			'SELECT id, name, seen_at FROM test.people WHERE name = {name:String}',
			{ name }
		);
		// best_effort parsed the ISO time; the session clock shows it in Qingdao time.
		expect(rows).toEqual([{ id: '1', name, seen_at: '2024-03-05 09:02:03' }]);

		const injected = await wh.query('SELECT id FROM test.people WHERE name = {name:String}', {
			name: "x' OR 1=1 --"
		});
		expect(injected).toEqual([]);
	});

	it('returns 64-bit integers as strings so no digit is lost', async () => {
		const [row] = await wh.query<{ big: string; small: number; tz: string }>(
			'SELECT {big:UInt64} AS big, toUInt32(7) AS small, timezone() AS tz',
			{ big: '18446744073709551615' }
		);
		expect(row).toEqual({ big: '18446744073709551615', small: 7, tz: WAREHOUSE_TIMEZONE });
	});

	it('gives NULL for a missing right side of a LEFT JOIN', async () => {
		const rows = await wh.query<{ id: number; name: string | null }>(
			`SELECT l.id AS id, r.name AS name
			 FROM (SELECT arrayJoin([2, 999999]) AS id) AS l
			 LEFT JOIN test.people AS r ON r.id = l.id
			 ORDER BY id`
		);
		expect(rows).toEqual([
			{ id: 2, name: 'plain' },
			{ id: 999999, name: null }
		]);
	});

	it('wraps engine errors with their code, type, message and query', async () => {
		const unknown = await catchError(wh.query('SELECT nope\nFROM system.one'));
		expect(unknown).toMatchObject({ code: 47, type: 'UNKNOWN_IDENTIFIER', query: 'SELECT nope' });
		expect(unknown.serverMessage).toContain('nope');
		expect(unknown.message).toContain('UNKNOWN_IDENTIFIER (code 47)');

		const syntax = await catchError(wh.command('SELEC 1'));
		expect(syntax).toMatchObject({ code: 62, type: 'SYNTAX_ERROR' });

		const missing = await catchError(wh.insert('test.missing', [{ id: 1 }]));
		expect(missing).toMatchObject({ code: 60, type: 'UNKNOWN_TABLE', query: 'insert into test.missing' });
	});

	it('refuses a second opener of the directory in the same process, naming this process', async () => {
		const err = await catchError(createWarehouse({ mode: 'embedded', path: dir }));
		expect(err).toBeInstanceOf(DataDirLockedError);
		expect(err.message).toContain(`in use by process ${process.pid}`);
	});

	it('keeps the data across close and reopen in the same process', async () => {
		await wh.close();
		await wh.close(); // twice is fine
		await expect(readFile(path.join(dir, 'owner.lock'))).rejects.toThrow(/ENOENT/);

		wh = await createWarehouse({ mode: 'embedded', path: dir });
		const [count] = await wh.query<{ n: string }>('SELECT count() AS n FROM test.people');
		expect(count).toEqual({ n: '5003' });
	});

	it('explains a data directory it cannot create', async () => {
		const file = path.join(root, 'a-file');
		await writeFile(file, '');
		const err = await catchError(createWarehouse({ mode: 'embedded', path: path.join(file, 'warehouse') }));
		expect(err.message).toMatch(
			/^DATA_DIR .*a-file\/warehouse is not writable: .*Set DATA_DIR to a writable directory\.$/
		);
	});

	it('explains a corrupt data directory and leaves it unlocked', async () => {
		await wh.close();
		// Measured: the engine refuses to open a directory whose database metadata does not parse.
		await writeFile(path.join(dir, 'metadata', 'test.sql'), 'garbage !!! ((');
		const err = await catchError(createWarehouse({ mode: 'embedded', path: dir }));
		expect(err.message).toBe(
			`The warehouse data directory ${dir} could not be opened: the engine failed to load it ` +
				'(its report is on stderr). Move it aside (it will be rebuilt by the pipeline) or restore a backup.'
		);
		await expect(readFile(path.join(dir, 'owner.lock'))).rejects.toThrow(/ENOENT/);
	});
});
