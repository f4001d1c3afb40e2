/**
 * The stage database: where a night's load keeps its working tables (the routing of the direct SQLite
 * path, the losers of a business-key settlement). Made empty when a load starts, so whatever a killed
 * night left goes, and dropped whole at the end, rather than a statement per object.
 */
import type { Warehouse } from '../warehouse';

export const STAGE_DATABASE = 'etl_stage';

/**
 * Every day the engine's Date32 holds (1900-01-01 to 2299-12-31) as 'YYYY-MM-DD', for `x IN EVERY_DAY`.
 * The engine's own parsers read '2026-02-30' as 2 March and '2026-13-45' as 1900-01-01, and parsing
 * then printing back cost more than a lookup; a Set table is built once a night, not once a query.
 */
export const EVERY_DAY = `${STAGE_DATABASE}.every_day`;

export async function openStage(warehouse: Warehouse): Promise<void> {
	await warehouse.command(`DROP DATABASE IF EXISTS ${STAGE_DATABASE} SYNC`);
	await warehouse.command(`CREATE DATABASE ${STAGE_DATABASE}`);
	await warehouse.command(`CREATE TABLE ${EVERY_DAY} (day String) ENGINE = Set`);
	await warehouse.command(
		`INSERT INTO ${EVERY_DAY} SELECT toString(toDate32('1900-01-01') + number) FROM numbers(146097)`
	);
}

export async function closeStage(warehouse: Warehouse): Promise<void> {
	await warehouse.command(`DROP DATABASE IF EXISTS ${STAGE_DATABASE} SYNC`);
}
