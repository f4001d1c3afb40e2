/**
 * Opens the app database (users, sessions, screen tokens, audit log, report archive): a SQLite file
 * under DATA_DIR by default, PostgreSQL when APP_DATABASE_URL is set. Opening checks the connection
 * at once, so a wrong setting stops the app at start-up with one line instead of at the first login.
 */
import fs from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import knex, { type Knex } from 'knex';
import { getConfig } from '../config';
import { describeFileError, describePostgresError, describePostgresTarget } from './driver-errors';

export type AppDatabaseConfig =
	| { client: 'better-sqlite3'; filename: string }
	/** `searchPath` confines every table to one schema (tests use a fresh schema per run). */
	| { client: 'pg'; url: string; searchPath?: string };

/** The app database cannot be opened; the message is one line a person can act on. */
export class AppDatabaseError extends Error {
	override name = 'AppDatabaseError';
}

// A writer holds the SQLite lock briefly; waiting this long beats failing a login with SQLITE_BUSY.
const SQLITE_BUSY_TIMEOUT_MS = 5_000;
const POSTGRES_CONNECT_TIMEOUT_MS = 10_000;

/** Opens and checks the app database. Close it with `closeAppDatabase`. */
export async function openAppDatabase(config: AppDatabaseConfig = getConfig().appDatabase): Promise<Knex> {
	return config.client === 'pg' ? openPostgres(config) : openSqlite(config.filename);
}

/** Closes every pooled connection. */
export async function closeAppDatabase(db: Knex): Promise<void> {
	await db.destroy();
}

async function openSqlite(filename: string): Promise<Knex> {
	const fail = (error: unknown) =>
		new AppDatabaseError(
			`Cannot open the app database at ${filename}: ${describeFileError(error)}. ` +
				'Set DATA_DIR to a writable directory (or APP_DATABASE_URL to a PostgreSQL database).'
		);
	try {
		fs.mkdirSync(path.dirname(filename), { recursive: true });
	} catch (error) {
		throw fail(error);
	}
	const db = knex({
		client: 'better-sqlite3',
		connection: { filename },
		useNullAsDefault: true,
		// better-sqlite3 is synchronous, so one connection serves the process and serialises its
		// writers; a second one would only add SQLITE_BUSY waits.
		pool: { min: 1, max: 1, afterCreate: prepareSqliteConnection }
	});
	try {
		// Switching to WAL writes the file, so this also proves the file and directory are writable.
		await db.raw('select 1');
	} catch (error) {
		await db.destroy();
		throw fail(error);
	}
	return db;
}

/** Per-connection settings: SQLite forgets foreign_keys and busy_timeout with each new connection. */
function prepareSqliteConnection(
	connection: BetterSqlite3.Database,
	done: (error: Error | null, connection: BetterSqlite3.Database) => void
): void {
	try {
		// WAL lets readers (the dashboard) proceed while a writer (a login, an audit entry) commits.
		connection.pragma('journal_mode = WAL');
		// With WAL, NORMAL is still safe against corruption and skips an fsync per commit.
		connection.pragma('synchronous = NORMAL');
		connection.pragma('foreign_keys = ON');
		connection.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
		done(null, connection);
	} catch (error) {
		done(error as Error, connection);
	}
}

async function openPostgres({ url, searchPath }: { url: string; searchPath?: string }): Promise<Knex> {
	const db = knex({
		client: 'pg',
		connection: {
			connectionString: url,
			connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
			// Shows up in pg_stat_activity, so an operator can tell the app's connections apart.
			application_name: 'civil-affairs-cockpit'
		},
		searchPath: searchPath ? [searchPath] : undefined,
		// No idle minimum: connections are opened on demand and dropped when idle, so a database
		// restart does not leave dead ones in the pool.
		pool: { min: 0, max: 10 }
	});
	try {
		await db.raw('select 1');
	} catch (error) {
		await db.destroy();
		throw new AppDatabaseError(
			`Cannot connect to the app database ${describePostgresTarget(url)}: ${describePostgresError(error, url)}. ` +
				'Check APP_DATABASE_URL.'
		);
	}
	return db;
}
