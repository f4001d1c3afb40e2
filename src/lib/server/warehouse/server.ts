/**
 * Connects to a ClickHouse server over HTTP, after checking it is new enough for this app.
 */
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { describeUrl, WarehouseError, wrapWarehouseError } from './errors';
import { MIN_SERVER_VERSION, WAREHOUSE_SETTINGS } from './settings';

export interface ServerConnectionConfig {
	url: string;
	user: string;
	password: string;
}

/** A server that answers but is slower than this at startup is treated as unreachable. */
const PROBE_TIMEOUT_MS = 10_000;

export async function openServerClient(config: ServerConnectionConfig): Promise<ClickHouseClient> {
	const version = await readServerVersion(config);
	checkServerVersion(version, config.url);
	return createClient({
		url: config.url,
		username: config.user,
		password: config.password,
		clickhouse_settings: WAREHOUSE_SETTINGS,
		// Every error reaches the caller as a WarehouseError; the client's own log would report it twice.
		log: { level: ClickHouseLogLevel.OFF }
	});
}

/**
 * Asks without the uniform settings: a server too old to know `session_timezone` would reject the
 * question itself and never say which version it is.
 */
async function readServerVersion(config: ServerConnectionConfig): Promise<string> {
	const probe = createClient({
		url: config.url,
		username: config.user,
		password: config.password,
		request_timeout: PROBE_TIMEOUT_MS,
		log: { level: ClickHouseLogLevel.OFF }
	});
	const query = 'SELECT version() AS version';
	try {
		const result = await probe.query({ query, format: 'JSONEachRow' });
		const [row] = await result.json<{ version: string }>();
		return row?.version ?? '';
	} catch (err) {
		throw wrapWarehouseError(err, { query, url: config.url });
	} finally {
		await probe.close();
	}
}

/** Throws a WarehouseError unless `version` (e.g. '24.8.4.13') is at least MIN_SERVER_VERSION. */
export function checkServerVersion(version: string, url: string): void {
	const parsed = parseServerVersion(version);
	const { major, minor } = MIN_SERVER_VERSION;
	if (parsed && (parsed.major > major || (parsed.major === major && parsed.minor >= minor))) return;
	throw new WarehouseError(
		`ClickHouse server at ${describeUrl(url)} is version ${version || '(unknown)'}; this app needs ` +
			`${major}.${minor} or newer. Upgrade the server or unset CLICKHOUSE_URL to use the embedded engine.`
	);
}

export function parseServerVersion(version: string): { major: number; minor: number } | undefined {
	const match = /^(\d+)\.(\d+)/.exec(version.trim());
	if (!match) return undefined;
	return { major: Number(match[1]), minor: Number(match[2]) };
}
