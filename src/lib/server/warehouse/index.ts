/**
 * The warehouse's public surface, and the process-wide instance: the embedded engine binds one data
 * directory per process, so the app opens it once and shares it.
 */
import { createWarehouse } from './client';
import type { Warehouse } from './types';

export { createWarehouse, type WarehouseConfig } from './client';
export { ensureDatabase, quoteIdentifier, quoteLiteral, tableExists } from './ddl';
export { describeQuery, describeUrl, WarehouseError, wrapWarehouseError } from './errors';
export type { WarehouseErrorContext, WarehouseErrorDetails } from './errors';
export { DataDirLockedError, type DataDirOwner } from './lock';
export { MIN_SERVER_VERSION, WAREHOUSE_SETTINGS, WAREHOUSE_TIMEZONE } from './settings';
export type {
	InsertFormat,
	InsertOptions,
	InsertRows,
	PingResult,
	QueryParams,
	Warehouse,
	WarehouseMode
} from './types';

let shared: Promise<Warehouse> | undefined;

/** The process's warehouse, opened from the configuration on first use. A failed open is retried next call. */
export function getWarehouse(): Promise<Warehouse> {
	if (!shared) {
		const opening = createWarehouse();
		shared = opening;
		opening.catch(() => {
			if (shared === opening) shared = undefined;
		});
	}
	return shared;
}

/** Closes the process's warehouse, if open; the next getWarehouse() opens it again. */
export async function closeWarehouse(): Promise<void> {
	const current = shared;
	shared = undefined;
	if (!current) return;
	const warehouse = await current.catch(() => undefined);
	await warehouse?.close();
}
