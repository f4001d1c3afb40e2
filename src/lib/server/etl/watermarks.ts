/** Per-table watermarks (the latest cursor value loaded), kept in the warehouse's meta database. */
import type { Warehouse } from '../warehouse';

export const WATERMARKS_TABLE = 'meta.etl_watermarks';

export async function ensureWatermarkTable(warehouse: Warehouse): Promise<void> {
	await warehouse.command(`CREATE DATABASE IF NOT EXISTS meta${warehouse.onCluster}`);
	await warehouse.command(
		`CREATE TABLE IF NOT EXISTS ${WATERMARKS_TABLE}${warehouse.onCluster} (
  source String,
  cursor_value String,
  run_id String,
  updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated_at) ORDER BY source`
	);
}

export async function readWatermarks(warehouse: Warehouse): Promise<Map<string, string>> {
	const rows = await warehouse.query<{ source: string; cursor_value: string }>(
		`SELECT source, cursor_value FROM ${WATERMARKS_TABLE} FINAL`
	);
	return new Map(rows.map((r) => [r.source, r.cursor_value]));
}

/** A table's new watermark: the latest cursor value its committed rows hold. */
export interface WatermarkAdvance {
	source: string;
	cursorValue: string;
}

/**
 * Called only after the tables' rows are committed to raw and quarantine; one insert for all of them
 * (each insert writes a part: 5–12 ms).
 */
export async function advanceWatermarks(warehouse: Warehouse, advances: WatermarkAdvance[], runId: string) {
	if (advances.length === 0) return;
	const updatedAt = new Date().toISOString();
	await warehouse.insert(
		WATERMARKS_TABLE,
		advances.map(({ source, cursorValue }) => ({
			source,
			cursor_value: cursorValue,
			run_id: runId,
			updated_at: updatedAt
		}))
	);
}
