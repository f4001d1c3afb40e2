/**
 * The project's one ClickHouse client: the embedded engine when CLICKHOUSE_URL is unset, a server
 * otherwise, behind the same small Warehouse interface.
 */
import type { ClickHouseClient, InsertParams } from '@clickhouse/client';
import type { Readable } from 'node:stream';
import { getConfig, type Config } from '../config';
import { quoteIdentifier } from './ddl';
import { openEmbeddedClient } from './embedded';
import { describeUrl, wrapWarehouseError } from './errors';
import { openServerClient } from './server';
import type { InsertOptions, InsertRows, PingResult, QueryParams, Warehouse, WarehouseMode } from './types';

export type WarehouseConfig = Config['warehouse'];

/** Opens the warehouse `config` describes. Rejects with a WarehouseError a person can act on. */
export async function createWarehouse(config: WarehouseConfig = getConfig().warehouse): Promise<Warehouse> {
	if (config.mode === 'embedded') {
		const { client, release } = await openEmbeddedClient(config.path);
		return buildWarehouse({ mode: 'embedded', location: config.path, onCluster: '', client, release });
	}
	const client = await openServerClient(config);
	return buildWarehouse({
		mode: 'server',
		location: describeUrl(config.url),
		onCluster: config.cluster ? ` ON CLUSTER ${quoteIdentifier(config.cluster)}` : '',
		client,
		url: config.url
	});
}

interface OpenedClient {
	mode: WarehouseMode;
	location: string;
	onCluster: string;
	client: ClickHouseClient;
	/** The server URL, named in connection errors. */
	url?: string;
	/** Runs after the client is closed (embedded: gives up the data directory). */
	release?: () => void;
}

function buildWarehouse({ mode, location, onCluster, client, url, release }: OpenedClient): Warehouse {
	const fail = (err: unknown, query: string) => wrapWarehouseError(err, { query, url });
	let closed = false;

	const query = async <T>(sql: string, params?: QueryParams): Promise<T[]> => {
		try {
			const result = await client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
			return await result.json<T>();
		} catch (err) {
			throw fail(err, sql);
		}
	};

	return {
		mode,
		location,
		onCluster,
		raw: client,
		query,

		async command(sql: string, params?: QueryParams): Promise<void> {
			try {
				await client.command({ query: sql, query_params: params });
			} catch (err) {
				throw fail(err, sql);
			}
		},

		async insert(table: string, rows: InsertRows, options: InsertOptions = {}): Promise<void> {
			const [first, ...rest] = options.columns ?? [];
			try {
				await client.insert({
					table,
					// The client encodes arrays and object-mode streams row by row for both JSON formats.
					values: rows as InsertParams<Readable>['values'],
					format: options.format ?? 'JSONEachRow',
					columns: first === undefined ? undefined : [first, ...rest]
				});
			} catch (err) {
				throw fail(err, `insert into ${table}`);
			}
		},

		async ping(): Promise<PingResult> {
			// A SELECT rather than the server's /ping, which answers without checking the credentials.
			const result = await client.ping({ select: true });
			return result.success ? { success: true } : { success: false, error: fail(result.error, 'ping') };
		},

		async version(): Promise<string> {
			const [row] = await query<{ version: string }>('SELECT version() AS version');
			return row?.version ?? '';
		},

		async close(): Promise<void> {
			if (closed) return;
			closed = true;
			try {
				await client.close();
			} finally {
				release?.();
			}
		}
	};
}
