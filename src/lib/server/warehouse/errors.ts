/**
 * The one error class of the warehouse. It carries ClickHouse's own code and type when the engine
 * answered, and otherwise a message that tells a person what to fix. No credentials ever reach it.
 */
import { ClickHouseError } from '@clickhouse/client';

export interface WarehouseErrorContext {
	/** The SQL that failed, or a short description ('insert into raw.x'); only a masked first line is kept. */
	query?: string;
	/** The server's URL, named in connection errors without its credentials. */
	url?: string;
}

export interface WarehouseErrorDetails {
	/** ClickHouse's numeric error code, e.g. 47. */
	code?: number;
	/** ClickHouse's error name, e.g. 'UNKNOWN_IDENTIFIER'. */
	type?: string;
	/** The engine's own message (credentials in URLs masked). */
	serverMessage?: string;
	/** The first line of the query (string literals masked), or a short description of the operation. */
	query?: string;
	cause?: unknown;
}

export class WarehouseError extends Error {
	override name = 'WarehouseError';
	readonly code: number | undefined;
	readonly type: string | undefined;
	readonly serverMessage: string | undefined;
	readonly query: string | undefined;

	constructor(message: string, details: WarehouseErrorDetails = {}) {
		super(message, details.cause === undefined ? undefined : { cause: details.cause });
		this.code = details.code;
		this.type = details.type;
		this.serverMessage = details.serverMessage;
		this.query = details.query;
	}
}

/** Words for the socket errors a person can act on; the rest keep Node's message. */
const networkProblems: Record<string, string> = {
	ECONNREFUSED: 'connection refused',
	ENOTFOUND: 'host not found',
	EAI_AGAIN: 'host name lookup failed',
	ETIMEDOUT: 'timed out',
	ECONNRESET: 'connection reset',
	EHOSTUNREACH: 'host unreachable',
	ENETUNREACH: 'network unreachable'
};

/** Hints for ClickHouse errors whose fix lies in the configuration rather than the query. */
const configurationHints: Record<string, string> = {
	AUTHENTICATION_FAILED: 'Check CLICKHOUSE_USER and CLICKHOUSE_PASSWORD.',
	REQUIRED_PASSWORD: 'Check CLICKHOUSE_USER and CLICKHOUSE_PASSWORD.'
};

/**
 * Turns anything a ClickHouse call threw into a WarehouseError, exactly once: a WarehouseError passes
 * through unchanged, so layers can wrap without checking.
 */
export function wrapWarehouseError(err: unknown, context: WarehouseErrorContext = {}): WarehouseError {
	if (err instanceof WarehouseError) return err;
	const query = context.query === undefined ? undefined : describeQuery(context.query);
	const where = query ? ` [in: ${query}]` : '';

	if (isClickHouseError(err)) {
		const code = Number.parseInt(err.code, 10);
		const type = err.type || undefined;
		const serverMessage = maskUrlCredentials(err.message.trim());
		const hint = type && configurationHints[type] ? ` ${configurationHints[type]}` : '';
		return new WarehouseError(
			`ClickHouse ${type ?? 'error'} (code ${err.code}): ${serverMessage}${where}${hint}`,
			{
				code: Number.isNaN(code) ? undefined : code,
				type,
				serverMessage,
				query,
				cause: err
			}
		);
	}

	const problem = findNetworkProblem(err);
	if (problem) {
		const target = context.url ? ` at ${describeUrl(context.url)}` : '';
		const check = context.url ? ' Check CLICKHOUSE_URL and that the server is running.' : '';
		return new WarehouseError(`Cannot reach ClickHouse${target} (${problem}).${check}`, {
			query,
			cause: err
		});
	}

	const message = err instanceof Error ? err.message : String(err);
	return new WarehouseError(`${maskUrlCredentials(message)}${where}`, { query, cause: err });
}

/**
 * Duck-typed on purpose: chdb/connection throws the ClickHouseError of its own copy of
 * @clickhouse/client-common, which is not the class @clickhouse/client exports, so `instanceof` alone
 * misses every embedded error.
 */
function isClickHouseError(err: unknown): err is ClickHouseError {
	if (err instanceof ClickHouseError) return true;
	if (!(err instanceof Error) || err.constructor.name !== 'ClickHouseError') return false;
	return typeof (err as Partial<ClickHouseError>).code === 'string';
}

/** Finds a socket error code on the error, its cause, or (happy-eyeballs) one of its aggregated errors. */
function findNetworkProblem(err: unknown): string | undefined {
	const seen = new Set<unknown>();
	const pending = [err];
	while (pending.length > 0) {
		const candidate = pending.pop();
		if (!(candidate instanceof Error) || seen.has(candidate)) continue;
		seen.add(candidate);
		const code = (candidate as NodeJS.ErrnoException).code;
		if (code && networkProblems[code]) return networkProblems[code];
		// @clickhouse/client's request_timeout rejects with this plain Error.
		if (candidate.message === 'Timeout error.') return 'timed out';
		pending.push(candidate.cause);
		if (candidate instanceof AggregateError) pending.push(...candidate.errors);
	}
	return undefined;
}

/**
 * A query's first non-blank line, short, with string literals masked: a literal may be a password
 * passed to a table function such as postgresql(…, 'user', 'secret').
 */
export function describeQuery(sql: string): string {
	const firstLine = sql.split('\n').find((line) => line.trim() !== '') ?? '';
	const masked = maskUrlCredentials(firstLine.replace(/'(?:[^'\\]|\\.|'')*'?/g, "'…'"))
		.replace(/\s+/g, ' ')
		.trim();
	return masked.length > 120 ? `${masked.slice(0, 119)}…` : masked;
}

/** A URL as it may be shown: scheme, host, port and path, never user, password or query string. */
export function describeUrl(url: string): string {
	try {
		const parsed = new URL(url);
		const path = parsed.pathname === '/' ? '' : parsed.pathname;
		return `${parsed.protocol}//${parsed.host}${path}`;
	} catch {
		return '(an invalid URL)';
	}
}

function maskUrlCredentials(text: string): string {
	return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(?::[^/\s@]*)?@/gi, '$1…@');
}
