import type { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import type { WarehouseError } from './errors';

export type WarehouseMode = 'embedded' | 'server';

/**
 * Values for `{name:Type}` placeholders, bound by the server. Keys are the placeholder names; values are
 * JS strings, numbers, booleans, Dates, arrays, or null.
 */
export type QueryParams = Record<string, unknown>;

/** Row formats `insert` accepts: objects keyed by column (JSONEachRow) or arrays in column order. */
export type InsertFormat = 'JSONEachRow' | 'JSONCompactEachRow';

export interface InsertOptions {
	/** Default 'JSONEachRow'. With 'JSONCompactEachRow' each row is an array in `columns` (or table) order. */
	format?: InsertFormat;
	/** Columns the rows fill, in order; the others take their defaults. Default: all, in table order. */
	columns?: readonly string[];
}

/**
 * Rows to insert: an array, or for large loads a Readable in object mode yielding one row (object or
 * array) per chunk. The embedded engine buffers the whole stream before inserting, so batch big loads.
 */
export type InsertRows = readonly Record<string, unknown>[] | readonly (readonly unknown[])[] | Readable;

export type PingResult = { success: true } | { success: false; error: WarehouseError };

/**
 * The project's one ClickHouse client, the same whether the engine runs in this process (chdb) or on a
 * server. Every method rejects with a WarehouseError.
 */
export interface Warehouse {
	readonly mode: WarehouseMode;
	/** Where the data lives, for logs: the data directory, or the server URL without credentials. */
	readonly location: string;
	/** ' ON CLUSTER `name`' when CLICKHOUSE_CLUSTER is set, else '': append it after the object in DDL. */
	readonly onCluster: string;
	/** The underlying @clickhouse/client, already carrying the uniform settings, for streaming reads. */
	readonly raw: ClickHouseClient;
	/** Runs a SELECT and returns its rows. 64-bit integers arrive as strings (see settings.ts). */
	query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]>;
	/** Runs a statement that returns no rows: DDL, ALTER, OPTIMIZE, INSERT … SELECT. */
	command(sql: string, params?: QueryParams): Promise<void>;
	/** Writes rows into `table` ('db.table', a name from code, never from input). */
	insert(table: string, rows: InsertRows, options?: InsertOptions): Promise<void>;
	/** Whether the engine answers; never rejects. */
	ping(): Promise<PingResult>;
	/** The engine's version, e.g. '26.7.2.1'. */
	version(): Promise<string>;
	/** Closes the client and, in embedded mode, gives up the data directory. Safe to call twice. */
	close(): Promise<void>;
}
