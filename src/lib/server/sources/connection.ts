/**
 * Connections to the bureau's operational databases (SQLite for the demo, PostgreSQL, MySQL/MariaDB),
 * through knex. Dates, timestamps and decimals come back as the database's own text on every engine,
 * never as JS Dates or floats: a JS Date would shift a zone-less timestamp by the process's time zone,
 * and a float would lose fen.
 */
import fs from 'node:fs';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import pg from 'pg';

export type SourceDialect = 'sqlite' | 'postgres' | 'mysql';

export interface SourceLocation {
	dialect: SourceDialect;
	/** For SQLite, the absolute file path; otherwise the URL. */
	target: string;
	/** Safe to print: a URL without its password. */
	display: string;
}

/** Thrown for a connection string that cannot be used; the message is one line a person can act on. */
export class SourceConnectionError extends Error {
	override name = 'SourceConnectionError';
}

/**
 * Reads a connection string: `postgres://…`, `mysql://…` (or `mariadb://…`), `sqlite:path`, or a
 * plain file path (taken as SQLite).
 */
export function parseSourceLocation(spec: string, cwd = process.cwd()): SourceLocation {
	const trimmed = spec.trim();
	if (!trimmed)
		throw new SourceConnectionError('Empty database location. Example: ./data/operational.sqlite');
	const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1]?.toLowerCase();
	if (scheme === 'postgres' || scheme === 'postgresql') {
		return { dialect: 'postgres', target: trimmed, display: redactUrl(trimmed) };
	}
	if (scheme === 'mysql' || scheme === 'mariadb') {
		const target = trimmed.replace(/^mariadb:/i, 'mysql:');
		return { dialect: 'mysql', target, display: redactUrl(target) };
	}
	if (scheme) {
		throw new SourceConnectionError(
			`Unsupported database URL scheme "${scheme}://". Use postgres://, mysql:// or a SQLite file path.`
		);
	}
	const file = path.resolve(cwd, trimmed.replace(/^sqlite:/i, ''));
	return { dialect: 'sqlite', target: file, display: file };
}

/** The URL with its password replaced by `***`. */
export function redactUrl(url: string): string {
	try {
		const parsed = new URL(url);
		if (parsed.password) parsed.password = '***';
		return parsed.toString();
	} catch {
		return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
	}
}

// Type ids of pg's DATE, TIMESTAMP, TIMESTAMPTZ and NUMERIC: keep the server's text.
const PG_TEXT_TYPES = new Set([1082, 1114, 1184, 1700]);
const pgTypes: Knex.PgConnectionConfig['types'] = {
	getTypeParser: (oid: number, format: string) =>
		PG_TEXT_TYPES.has(oid) ? (value: string) => value : pg.types.getTypeParser(oid, format as 'text')
};

export interface OpenOptions {
	/** SQLite: open read-only (the ETL's reads never lock writers out of the file for long). */
	readonly?: boolean;
	/** SQLite: create the file if missing (the generator); otherwise a missing file is an error. */
	create?: boolean;
}

/** Opens a knex connection to an operational database. */
export function openSourceDatabase(location: SourceLocation, options: OpenOptions = {}): Knex {
	switch (location.dialect) {
		case 'sqlite':
			if (!options.create && !fs.existsSync(location.target)) {
				throw new SourceConnectionError(
					`SQLite database ${location.target} does not exist. Run \`npm run demo:generate\` or point the source at an existing file.`
				);
			}
			return knex({
				client: 'better-sqlite3',
				connection: { filename: location.target, options: { readonly: options.readonly ?? false } },
				useNullAsDefault: true
			});
		case 'postgres':
			return knex({
				client: 'pg',
				connection: { connectionString: location.target, types: pgTypes },
				pool: { min: 0, max: 4 }
			});
		case 'mysql':
			return knex({
				client: 'mysql2',
				connection: {
					uri: location.target,
					dateStrings: true,
					supportBigNumbers: true,
					charset: 'utf8mb4'
				} as Knex.MySql2ConnectionConfig,
				pool: { min: 0, max: 4 }
			});
	}
}
