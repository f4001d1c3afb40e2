import type { Warehouse } from '../src/lib/server/warehouse';

/**
 * Waits until the engine merges no parts; returns the seconds waited. A night's parts go on merging in
 * the background after it ends; a bureau's next night comes a day later, when they are long done, so
 * a benchmark lets them finish before it times the next thing.
 */
export async function waitForMerges(warehouse: Warehouse): Promise<number> {
	const started = performance.now();
	for (;;) {
		const [row] = await warehouse.query<{ n: string }>('SELECT count() AS n FROM system.merges');
		if (Number(row!.n) === 0) return (performance.now() - started) / 1000;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}
