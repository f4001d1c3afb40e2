/**
 * npm run demo -- [--scale 0.1] [--seed 1] [--regenerate] [--no-serve]
 *
 * The one command to see the product working: generates the bureau's operational systems (once),
 * runs the nightly pipeline (ETL → models and tests → publish), builds the app if needed and starts
 * the server, printing its URL. Parts not built yet are listed, never pretended.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { closeAppDatabase, openAppDatabase } from '../src/lib/server/appdb/db';
import { migrateToLatest } from '../src/lib/server/appdb/migrate';
import { getConfig } from '../src/lib/server/config';
import { defaultAsOf } from '../src/lib/server/demo/calendar';
import { DemoOptionsError, generateDemo } from '../src/lib/server/demo/generate';
import { runPipeline } from '../src/lib/server/pipeline/run-pipeline';
import { createWarehouse } from '../src/lib/server/warehouse';
import { runCli } from './cli';

const USAGE = 'usage: npm run demo -- [--scale 0.1] [--seed 1] [--regenerate] [--no-serve]';

await runCli(async () => {
	let values;
	try {
		({ values } = parseArgs({
			options: {
				scale: { type: 'string', default: '0.1' },
				seed: { type: 'string', default: '1' },
				regenerate: { type: 'boolean', default: false },
				'no-serve': { type: 'boolean', default: false }
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
		say(
			`… Generating the operational systems at scale ${scale} (1 = all of Qingdao: a few minutes and ~3 GB)`
		);
		const summary = await generateDemo({ seed: Number(values.seed), scale, asOf: defaultAsOf(), target });
		const rows = Object.values(summary.rows).reduce((a, b) => a + b, 0);
		say(`✓ Operational systems: ${rows.toLocaleString('en-US')} rows as of ${summary.asOf}`);
	}

	// 2. Tonight's pipeline, now.
	const warehouse = await createWarehouse(config.warehouse);
	try {
		say(`… Running the pipeline on ClickHouse ${await warehouse.version()} (${warehouse.mode})`);
		const outcome = await runPipeline({
			warehouse,
			config,
			trigger: 'manual',
			// The phases only; `npm run pipeline` shows every table and node.
			log: (line) => {
				if (/^Pipeline .*: (extracting|building)/.test(line)) say(`  ${line.replace(/^Pipeline \S+: /, '')}`);
			}
		});
		say(`${outcome.status === 'failed' ? '✗' : '✓'} Pipeline ${outcome.status}: ${outcome.message}`);
		if (outcome.status === 'failed') process.exitCode = 1;
	} finally {
		await warehouse.close();
	}

	// 3. The app database.
	const appDb = await openAppDatabase();
	try {
		await migrateToLatest(appDb);
		say(`✓ App database ready`);
	} finally {
		await closeAppDatabase(appDb);
	}

	say('');
	say('Not built yet: the KPI API, the dashboard pages, exports and the big screen (the app serves a');
	say('status page, /api/health and the pipeline API).');
	if (values['no-serve'] || process.exitCode) return;

	// 4. The server (it owns the warehouse from now on; `npm run pipeline` goes through it).
	if (!fs.existsSync(path.resolve('build/index.js'))) {
		say('… Building the app');
		const build = spawnSync('npx', ['vite', 'build'], { stdio: 'inherit' });
		if (build.status !== 0) throw new Error('vite build failed; see the output above');
	}
	say(`✓ Starting the server: http://localhost:${config.port}/`);
	const server = spawn(process.execPath, ['build/index.js'], { stdio: 'inherit', env: process.env });
	await new Promise((resolve) => server.on('exit', resolve));
});
