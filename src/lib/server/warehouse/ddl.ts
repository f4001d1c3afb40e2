/**
 * Small DDL helpers shared by the ETL, the transforms runner and the publisher.
 */
import type { Warehouse } from './types';

/**
 * Quotes a database, table or column name for SQL: `name`, with backslashes and backticks escaped.
 * Names cannot be bound as query parameters, so this is the one way a name from data reaches SQL.
 */
export function quoteIdentifier(name: string): string {
	if (name.length === 0) throw new TypeError('An identifier must not be empty');
	if (name.includes('\0')) throw new TypeError('An identifier must not contain a NUL character');
	return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

/** A ClickHouse literal: strings with backslash and quote escaped, non-finite numbers as nan/inf. */
export function quoteLiteral(value: string | number | boolean | null): string {
	if (value === null) return 'NULL';
	if (typeof value === 'boolean') return value ? 'true' : 'false';
	if (typeof value === 'number') {
		if (Number.isNaN(value)) return 'nan';
		if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
		return String(value);
	}
	return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Creates the database if missing (on every node of the cluster when there is one). */
export async function ensureDatabase(wh: Warehouse, name: string): Promise<void> {
	await wh.command(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(name)}${wh.onCluster}`);
}

/** Whether `db`.`table` exists (a table, view or dictionary). */
export async function tableExists(wh: Warehouse, db: string, table: string): Promise<boolean> {
	const rows = await wh.query(
		'SELECT 1 AS found FROM system.tables WHERE database = {db:String} AND name = {table:String} LIMIT 1',
		{ db, table }
	);
	return rows.length > 0;
}
