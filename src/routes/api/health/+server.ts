/**
 * GET /api/health: is the server up and can it reach the warehouse? For operators and load balancers.
 * 200 with the engine's version, or 503 with the one-line reason.
 */
import { json } from '@sveltejs/kit';
import { getWarehouse } from '$lib/server/warehouse';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async () => {
	try {
		const warehouse = await getWarehouse();
		return json({ status: 'ok', warehouse: { mode: warehouse.mode, version: await warehouse.version() } });
	} catch (error) {
		return json({ status: 'unavailable', error: (error as Error).message }, { status: 503 });
	}
};
