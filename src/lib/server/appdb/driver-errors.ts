/**
 * What the two app database drivers' errors mean, turned into words a person can act on. The error
 * codes are the only engine-specific knowledge the app database code needs, so they live here.
 */

interface CodedError {
	code?: unknown;
	message?: unknown;
	name?: unknown;
	errors?: unknown;
}

function readCode(error: unknown): string {
	const code = (error as CodedError | null)?.code;
	return typeof code === 'string' ? code : '';
}

/** The first line of an error's message; Node's AggregateError (several addresses tried) has none of its own. */
function readFirstLine(error: unknown): string {
	const { message, errors } = (error ?? {}) as CodedError;
	if (typeof message === 'string' && message.trim()) return message.trim().split('\n')[0]!;
	if (Array.isArray(errors) && errors.length > 0) return readFirstLine(errors[0]);
	return String(error);
}

/** True when an insert or update broke a unique (or primary key) constraint, on SQLite or PostgreSQL. */
export function isUniqueViolation(error: unknown): boolean {
	const code = readCode(error);
	return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Why a SQLite file (or its directory) could not be created or opened, without a trailing period. */
export function describeFileError(error: unknown): string {
	const code = readCode(error);
	if (code === 'ENOTDIR') return 'part of the path is a file, not a directory';
	if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
	if (code === 'EROFS') return 'the file system is read-only';
	if (code === 'ENOSPC') return 'no space left on the device';
	if (code === 'SQLITE_CANTOPEN') return 'the file cannot be created or opened';
	if (code.startsWith('SQLITE_READONLY')) return 'the file or its directory is read-only';
	if (code === 'SQLITE_NOTADB') return 'the file exists but is not a SQLite database';
	return readFirstLine(error).replace(/\.$/, '');
}

/** `postgres://user@host:port/database` for a connection URL: enough to find it, never the password. */
export function describePostgresTarget(url: string): string {
	try {
		const parsed = new URL(url);
		const user = decodeURIComponent(parsed.username);
		const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || user || '(default database)';
		const host = parsed.hostname || 'localhost';
		return `postgres://${user ? `${user}@` : ''}${host}:${parsed.port || '5432'}/${database}`;
	} catch {
		return '(an unparseable APP_DATABASE_URL)';
	}
}

/** Why a PostgreSQL connection failed, with any password in the URL masked, without a trailing period. */
export function describePostgresError(error: unknown, url: string): string {
	const code = readCode(error);
	const name = (error as CodedError | null)?.name;
	if (code === 'ECONNREFUSED') return 'connection refused (is PostgreSQL running and listening there?)';
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name cannot be resolved';
	if (code === 'ETIMEDOUT' || name === 'KnexTimeoutError') return 'the connection timed out';
	if (code === 'ECONNRESET') return 'the server closed the connection';
	if (code === '28P01') return 'the password was rejected';
	if (code === '3D000') return 'the database does not exist';
	const reason = readFirstLine(error).replace(/\.$/, '');
	const line = code === '28000' ? `the server refused the login (${reason})` : reason;
	return maskPassword(line, url);
}

function maskPassword(text: string, url: string): string {
	let password = '';
	try {
		password = decodeURIComponent(new URL(url).password);
	} catch {
		// An unparseable URL has no password we could find; mask the whole URL below instead.
	}
	let masked = text.split(url).join('(APP_DATABASE_URL)');
	if (password) masked = masked.split(password).join('***');
	return masked;
}
