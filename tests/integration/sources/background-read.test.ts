/**
 * A SQLite query run in a worker thread gives the rows better-sqlite3 gives on this thread, blobs
 * included, and a failure arrives as SQLite's own message.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSqliteInBackground } from '../../../src/lib/server/sources/background-read';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'background-read-'));
const file = path.join(dir, 'source.sqlite');

beforeAll(() => {
	const db = new Database(file);
	db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, amount REAL, note TEXT)');
	const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?)');
	insert.run(1, 12.5, 'ok');
	insert.run(2, 'abc', null);
	insert.run(3, Buffer.from([0xde, 0xad]), 'blob');
	db.close();
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('readSqliteInBackground', () => {
	it('gives the rows this thread would read, blobs as Buffers', async () => {
		const sql = "SELECT * FROM t WHERE amount >= '' OR id = ? ORDER BY id";
		const db = new Database(file, { readonly: true });
		const here = db.prepare(sql).all(1);
		db.close();
		const there = await readSqliteInBackground(file, sql, [1]);
		expect(there).toEqual(here);
		expect(there).toHaveLength(3);
		expect(Buffer.isBuffer(there[2]!.amount)).toBe(true);
	});

	it("fails with SQLite's message", async () => {
		await expect(readSqliteInBackground(file, 'SELECT nope FROM t', [])).rejects.toThrow(
			/no such column: nope/
		);
		await expect(readSqliteInBackground(path.join(dir, 'missing.sqlite'), 'SELECT 1', [])).rejects.toThrow(
			/unable to open database/
		);
	});
});
