/**
 * Watermarks move once a system's tables are loaded. When they cannot be saved, the tables say so and
 * the next night reads their rows again, which changes nothing in raw.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { loadAreas } from '../../../src/lib/server/areas/areas';
import { generateDemo } from '../../../src/lib/server/demo/generate';
import { loadDeclarations } from '../../../src/lib/server/etl/declarations';
import { createPseudonymiser } from '../../../src/lib/server/etl/pseudonymise';
import { runEtl } from '../../../src/lib/server/etl/run-etl';
import { readWatermarks, WATERMARKS_TABLE } from '../../../src/lib/server/etl/watermarks';
import { createWarehouse } from '../../../src/lib/server/warehouse';

const KEY = Buffer.alloc(32, 5);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-watermarks-'));

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('leaves the watermarks where they were when they cannot be saved, and the rerun doubles nothing', async () => {
	const file = path.join(dir, 'operational.sqlite');
	await generateDemo({ seed: 3, scale: 0.001, asOf: '2026-05-31', target: file, progress: 'quiet' });
	const source = new Database(file, { readonly: true });
	const { rows, latest } = source
		.prepare('SELECT count(*) AS rows, max(updated_at) AS latest FROM care_institutions')
		.get() as { rows: number; latest: string };
	source.close();
	const declarations = loadDeclarations().filter((t) => t.sourceTable === 'care_institutions');
	const warehouse = await createWarehouse({ mode: 'embedded', path: path.join(dir, 'warehouse') });
	const night = (runId: string) =>
		runEtl({
			warehouse,
			declarations,
			connections: { elderly: file },
			pseudonymiser: createPseudonymiser(KEY),
			key: KEY,
			areas: loadAreas(),
			runId,
			today: '2026-11-28'
		});
	const rawRows = async () =>
		(await warehouse.query<{ n: string }>('SELECT count() AS n FROM raw.elderly__care_institutions'))[0]!.n;
	try {
		await night('create-tables');
		await warehouse.command(`TRUNCATE TABLE ${WATERMARKS_TABLE}`);
		await warehouse.command(`TRUNCATE TABLE raw.elderly__care_institutions`);
		// The watermarks table refuses every row: a real insert that fails.
		await warehouse.command(`ALTER TABLE ${WATERMARKS_TABLE} ADD CONSTRAINT refuse CHECK source = ''`);

		const refused = await night('refused');
		expect(refused.status).toBe('failed');
		expect(refused.tables[0]).toMatchObject({
			source: 'elderly.care_institutions',
			read: rows,
			loaded: rows
		});
		expect(refused.tables[0]!.error).toMatch(/^loaded, but its watermark was not saved: .*refuse/);
		expect(await rawRows()).toBe(String(rows));
		expect(await readWatermarks(warehouse)).toEqual(new Map());

		await warehouse.command(`ALTER TABLE ${WATERMARKS_TABLE} DROP CONSTRAINT refuse`);
		const rerun = await night('rerun');
		expect(rerun.status).toBe('success');
		expect(rerun.tables[0]).toMatchObject({ read: rows, loaded: rows });
		const [{ n: inRaw } = { n: '0' }] = await warehouse.query<{ n: string }>(
			'SELECT count() AS n FROM raw.elderly__care_institutions FINAL'
		);
		expect(inRaw).toBe(String(rows));
		expect(await readWatermarks(warehouse)).toEqual(new Map([['elderly.care_institutions', latest]]));
	} finally {
		await warehouse.close();
	}
});
