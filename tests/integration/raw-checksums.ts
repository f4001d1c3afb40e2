/**
 * Each raw table's latest rows as `count:hash`, the load's bookkeeping columns (_loaded_at, _run_id)
 * aside: two warehouses with equal raw contents give equal maps.
 */
import type { Warehouse } from '../../src/lib/server/warehouse';

export async function rawChecksums(warehouse: Warehouse): Promise<Record<string, string>> {
	const tables = await warehouse.query<{ name: string }>(
		"SELECT name FROM system.tables WHERE database = 'raw' ORDER BY name"
	);
	const out: Record<string, string> = {};
	for (const { name } of tables) {
		const columns = (
			await warehouse.query<{ name: string }>(
				"SELECT name FROM system.columns WHERE database = 'raw' AND table = {t:String} AND name NOT IN ('_loaded_at', '_run_id') ORDER BY position",
				{ t: name }
			)
		).map((c) => `\`${c.name}\``);
		const [row] = await warehouse.query<{ n: string; h: string }>(
			`SELECT count() AS n, toString(groupBitXor(cityHash64(${columns.join(', ')}))) AS h FROM raw.\`${name}\` FINAL`
		);
		out[name] = `${row!.n}:${row!.h}`;
	}
	return out;
}
