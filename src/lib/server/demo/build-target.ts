/**
 * Where the generator writes: a build that is invisible until complete, then swapped in at once, so a
 * failed or killed run never leaves half-written systems behind.
 * - SQLite: a temporary file beside the target, renamed over it at the end.
 * - PostgreSQL: tables under a temporary name, renamed in one transaction.
 * - MySQL/MariaDB: tables under a temporary name, swapped by one atomic multi-table RENAME TABLE.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import knex, { type Knex } from 'knex';
import { isProcessAlive } from '../process-alive';
import { openSourceDatabase, type SourceLocation } from '../sources/connection';
import { defineColumns, indexedColumns, indexName } from './ddl';
import type { Table } from './schema';

export interface BuildTarget {
	readonly location: SourceLocation;
	createTable(table: Table): Promise<void>;
	/** Appends rows (positional, in the table's column order). */
	insertRows(table: Table, rows: readonly unknown[][]): Promise<void>;
	/** Makes the whole build visible at once. */
	publish(tables: readonly Table[]): Promise<void>;
	/** Throws the build away; the previous data stays as it was. */
	discard(): Promise<void>;
}

export async function openBuildTarget(location: SourceLocation): Promise<BuildTarget> {
	return location.dialect === 'sqlite' ? openSqliteBuild(location) : openServerBuild(location);
}

// ---------------------------------------------------------------------------------------------- SQLite

/** SQLite limits bound parameters per statement (32766 since 3.32). */
const SQLITE_MAX_PARAMS = 32_766;

function openSqliteBuild(location: SourceLocation): BuildTarget {
	const dir = path.dirname(location.target);
	try {
		fs.mkdirSync(dir, { recursive: true });
		fs.accessSync(dir, fs.constants.W_OK);
	} catch (error) {
		throw new Error(
			`Cannot write to ${dir}: ${(error as Error).message}. Choose a writable --target or DATA_DIR.`,
			{ cause: error }
		);
	}
	removeStaleTemporaryFiles(location.target);
	const temporary = `${location.target}.tmp-${process.pid}`;
	fs.rmSync(temporary, { force: true });
	const db = new Database(temporary);
	// A temporary file is thrown away on failure, so durability while building buys nothing.
	db.pragma('journal_mode = OFF');
	db.pragma('synchronous = OFF');
	// knex only renders the DDL here; better-sqlite3 runs it and the inserts directly.
	const sql = knex({ client: 'better-sqlite3', useNullAsDefault: true });
	const statements = new Map<
		string,
		{ batch: Database.Statement; batchSize: number; single: Database.Statement; params: unknown[] }
	>();

	const statementsFor = (table: Table) => {
		let entry = statements.get(table.name);
		if (!entry) {
			const columns = table.columns.map((c) => `"${c.name}"`).join(', ');
			const tuple = `(${table.columns.map(() => '?').join(', ')})`;
			const batchSize = Math.min(500, Math.floor(SQLITE_MAX_PARAMS / table.columns.length));
			const insert = (n: number) =>
				db.prepare(`INSERT INTO "${table.name}" (${columns}) VALUES ${Array(n).fill(tuple).join(', ')}`);
			entry = {
				batch: insert(batchSize),
				batchSize,
				single: insert(1),
				params: new Array(batchSize * table.columns.length)
			};
			statements.set(table.name, entry);
		}
		return entry;
	};

	return {
		location,
		async createTable(table) {
			const ddl = sql.schema.createTable(table.name, (t) => defineColumns(t, table)).toSQL();
			for (const statement of ddl) db.prepare(statement.sql).run(...statement.bindings);
		},
		async insertRows(table, rows) {
			const { batch, batchSize, single, params } = statementsFor(table);
			const width = table.columns.length;
			const insertAll = db.transaction(() => {
				let i = 0;
				for (; i + batchSize <= rows.length; i += batchSize) {
					// One reused parameter array: millions of rows must not mean millions of temporary arrays.
					for (let r = 0; r < batchSize; r++) {
						const row = rows[i + r]!;
						for (let c = 0; c < width; c++) params[r * width + c] = row[c];
					}
					batch.run(params);
				}
				for (; i < rows.length; i++) single.run(rows[i]!);
			});
			insertAll();
		},
		async publish(tables) {
			for (const table of tables) {
				for (const column of indexedColumns(table)) {
					db.exec(`CREATE INDEX "${indexName(table.name, column)}" ON "${table.name}" ("${column}")`);
				}
			}
			db.pragma('journal_mode = DELETE');
			db.close();
			await sql.destroy();
			// fsync before the rename, so a crash cannot leave a renamed but empty file.
			const fd = fs.openSync(temporary, 'r');
			fs.fsyncSync(fd);
			fs.closeSync(fd);
			for (const suffix of ['-wal', '-shm']) fs.rmSync(location.target + suffix, { force: true });
			fs.renameSync(temporary, location.target);
		},
		async discard() {
			if (db.open) db.close();
			await sql.destroy();
			fs.rmSync(temporary, { force: true });
		}
	};
}

/** Temporary files of runs that died (their process no longer exists). */
function removeStaleTemporaryFiles(target: string): void {
	const dir = path.dirname(target);
	const prefix = `${path.basename(target)}.tmp-`;
	for (const name of fs.readdirSync(dir)) {
		if (!name.startsWith(prefix)) continue;
		const pid = Number(name.slice(prefix.length));
		if (Number.isInteger(pid) && !isProcessAlive(pid)) fs.rmSync(path.join(dir, name), { force: true });
	}
}

// ------------------------------------------------------------------------------ PostgreSQL and MySQL

const BUILD_MARK = '__build_';
/** Rows per INSERT: well under both engines' 65535-placeholder limit for our widest table. */
const SERVER_BATCH_ROWS = 1_000;

async function openServerBuild(location: SourceLocation): Promise<BuildTarget> {
	const db = openSourceDatabase(location);
	await dropLeftoverBuildTables(db, location);
	const suffix = `${BUILD_MARK}${process.pid.toString(36)}${Date.now().toString(36)}`;
	const buildName = (table: Table) => `${table.name}${suffix}`;
	const created: Table[] = [];

	return {
		location,
		async createTable(table) {
			await db.schema.createTable(buildName(table), (t) => {
				if (location.dialect === 'mysql') t.charset('utf8mb4');
				defineColumns(t, table);
			});
			created.push(table);
		},
		async insertRows(table, rows) {
			const names = table.columns.map((c) => c.name);
			for (let i = 0; i < rows.length; i += SERVER_BATCH_ROWS) {
				const objects = rows.slice(i, i + SERVER_BATCH_ROWS).map((row) => {
					const object: Record<string, unknown> = {};
					names.forEach((name, j) => (object[name] = row[j]));
					return object;
				});
				await db(buildName(table)).insert(objects);
			}
		},
		async publish(tables) {
			if (location.dialect === 'postgres') await swapPostgres(db, tables, buildName);
			else await swapMysql(db, tables, buildName);
			await db.destroy();
		},
		async discard() {
			for (const table of created) await db.schema.dropTableIfExists(buildName(table));
			await db.destroy();
		}
	};
}

async function dropLeftoverBuildTables(db: Knex, location: SourceLocation): Promise<void> {
	const rows: { name: string }[] =
		location.dialect === 'postgres'
			? await db('information_schema.tables')
					.select({ name: 'table_name' })
					.whereRaw('table_schema = current_schema()')
					.andWhere('table_name', 'like', `%${BUILD_MARK}%`)
			: await db('information_schema.tables')
					.select({ name: 'TABLE_NAME' })
					.whereRaw('table_schema = database()')
					.andWhere('TABLE_NAME', 'like', `%${BUILD_MARK}%`);
	for (const { name } of rows) await db.schema.dropTableIfExists(name);
}

async function swapPostgres(db: Knex, tables: readonly Table[], buildName: (t: Table) => string) {
	await db.transaction(async (trx) => {
		for (const table of tables) {
			await trx.schema.dropTableIfExists(table.name);
			await trx.raw('ALTER TABLE ?? RENAME TO ??', [buildName(table), table.name]);
			// The primary key's index keeps the build name; give it the final one for the next rebuild.
			if (table.columns.some((c) => c.type === 'id')) {
				await trx.raw('ALTER INDEX ?? RENAME TO ??', [`${buildName(table)}_pkey`, `${table.name}_pkey`]);
			}
			for (const column of indexedColumns(table)) {
				await trx.raw('CREATE INDEX ?? ON ?? (??)', [indexName(table.name, column), table.name, column]);
			}
		}
	});
}

async function swapMysql(db: Knex, tables: readonly Table[], buildName: (t: Table) => string) {
	for (const table of tables) {
		for (const column of indexedColumns(table)) {
			await db.raw('CREATE INDEX ?? ON ?? (??)', [indexName(table.name, column), buildName(table), column]);
		}
	}
	const existing = new Set(
		(
			(await db('information_schema.tables')
				.select({ name: 'TABLE_NAME' })
				.whereRaw('table_schema = database()')) as { name: string }[]
		).map((r) => r.name)
	);
	const old = (t: Table) => `${t.name}__old`;
	const pairs: string[] = [];
	const bindings: string[] = [];
	for (const table of tables) {
		if (existing.has(table.name)) {
			await db.schema.dropTableIfExists(old(table));
			pairs.push('?? TO ??');
			bindings.push(table.name, old(table));
		}
		pairs.push('?? TO ??');
		bindings.push(buildName(table), table.name);
	}
	// One RENAME TABLE statement is atomic in MySQL and MariaDB: readers see all old or all new.
	await db.raw(`RENAME TABLE ${pairs.join(', ')}`, bindings);
	for (const table of tables) if (existing.has(table.name)) await db.schema.dropTableIfExists(old(table));
}
