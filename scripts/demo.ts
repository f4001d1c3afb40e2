/**
 * npm run demo -- [--scale 1] [--seed 1] [--regenerate]
 *
 * The one command to see the product working. Today it does what exists and says plainly what does
 * not: generates the operational systems (once), opens the warehouse and the app database, and lists
 * the parts still to be built. It never pretends.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { openAppDatabase, closeAppDatabase } from '../src/lib/server/appdb/db';
import { migrateToLatest } from '../src/lib/server/appdb/migrate';
import { getConfig } from '../src/lib/server/config';
import { defaultAsOf } from '../src/lib/server/demo/calendar';
import { DemoOptionsError, generateDemo } from '../src/lib/server/demo/generate';
import { createWarehouse } from '../src/lib/server/warehouse';
import { runCli } from './cli';

const USAGE = 'usage: npm run demo -- [--scale 1] [--seed 1] [--regenerate]';

await runCli(async () => {
	let values;
	try {
		({ values } = parseArgs({
			options: {
				scale: { type: 'string', default: '1' },
				seed: { type: 'string', default: '1' },
				regenerate: { type: 'boolean', default: false }
			}
		}));
	} catch (error) {
		throw new DemoOptionsError(`${(error as Error).message}. ${USAGE}`);
	}
	const config = getConfig();
	const say = (line: string) => process.stdout.write(`${line}\n`);

	say('青岛市民政数据驾驶舱 — demo');
	say(`DATA_DIR: ${config.dataDir}`);

	// 1. The bureau's operational systems (the ETL's sources).
	const target = config.demoSourcePath;
	if (fs.existsSync(target) && !values.regenerate) {
		say(`✓ Operational systems: ${target} exists (use --regenerate to build it again)`);
	} else {
		const scale = Number(values.scale);
		const seed = Number(values.seed);
		say(`… Generating the operational systems at scale ${scale} (1 = Qingdao; takes a few minutes at 1)`);
		const summary = await generateDemo({ seed, scale, asOf: defaultAsOf(), target });
		const rows = Object.values(summary.rows).reduce((a, b) => a + b, 0);
		say(
			`✓ Operational systems: ${rows.toLocaleString('en-US')} rows as of ${summary.asOf} in ${summary.target}`
		);
	}

	// 2. The warehouse.
	const warehouse = await createWarehouse();
	try {
		say(`✓ Warehouse: ClickHouse ${await warehouse.version()} (${warehouse.mode}, ${warehouse.location})`);
	} finally {
		await warehouse.close();
	}

	// 3. The app database.
	const appDb = await openAppDatabase();
	try {
		const applied = await migrateToLatest(appDb);
		say(
			`✓ App database: ${config.appDatabase.client === 'pg' ? 'PostgreSQL' : config.appDatabase.filename} (${applied.length} migrations applied now)`
		);
	} finally {
		await closeAppDatabase(appDb);
	}

	say('');
	say('Not built yet, so not shown here:');
	say('  ✗ the dbt-style runner and the KPI models (transforms/)');
	say('  ✗ the nightly ETL into ClickHouse and the pipeline');
	say('  ✗ the dashboard pages, exports and the big screen');
	say('Until they exist the warehouse holds no KPIs; `npm run dev` serves only the skeleton page.');
});
