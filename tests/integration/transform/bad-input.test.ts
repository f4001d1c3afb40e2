/**
 * A broken project is reported with the file, the line where known and what to do, before anything
 * is dropped or replaced; a model that fails in the engine leaves its previous table in place.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTransform } from '../../../src/lib/server/transform/runner';
import { openClickHouse, type Engine } from './engines';
import { copyFixture, FIXTURE } from './fixture';

let engine: Engine;
let built: string;

function edit(dir: string, file: string, change: (text: string) => string) {
	const full = path.join(dir, file);
	fs.writeFileSync(full, change(fs.readFileSync(full, 'utf8')));
}

/** Runs a build on a broken copy and returns the error it throws. */
async function brokenBuild(breakIt: (dir: string) => void): Promise<Error> {
	const dir = copyFixture();
	breakIt(dir);
	try {
		await runTransform(engine.adapter, { projectDir: dir, verb: 'build' });
	} catch (error) {
		return error as Error;
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
	throw new Error('the broken project built without an error');
}

beforeAll(async () => {
	engine = await openClickHouse();
	built = copyFixture();
	expect((await runTransform(engine.adapter, { projectDir: built, verb: 'build' })).exitCode).toBe(0);
});

afterAll(async () => {
	await engine?.close();
	fs.rmSync(built, { recursive: true, force: true });
});

describe('a broken project is refused before anything changes', () => {
	it('broken Jinja: file and line', async () => {
		const error = await brokenBuild((dir) =>
			edit(dir, 'models/staging/stg_elders.sql', (t) => t.replace('from {{', 'from {% if %}{{'))
		);
		expect(error.message).toMatch(
			/^models\/staging\/stg_elders\.sql:5: Jinja error: .*Check the template syntax/
		);
	});

	it('an unknown ref: the model, the file and the closest names', async () => {
		const error = await brokenBuild((dir) =>
			edit(dir, 'models/marts/elder_orders.sql', (t) => t.replace("ref('stg_elders')", "ref('stg_elder')"))
		);
		expect(error.message).toBe(
			"models/marts/elder_orders.sql: ref('stg_elder') names no model or seed (closest: stg_elders, stg_orders, raw_elders). Fix the name, or add the model."
		);
	});

	it('a cycle: names every model in it', async () => {
		const error = await brokenBuild((dir) =>
			edit(
				dir,
				'models/staging/stg_stations.sql',
				(t) => `${t}\nwhere station_id in (select 1 from {{ ref('int_orders_joined') }})`
			)
		);
		expect(error.message).toMatch(
			/models depend on each other in a cycle: .*stg_stations.*int_orders_joined.*\. Remove one of these refs/
		);
	});

	it('two models with one name', async () => {
		const error = await brokenBuild((dir) =>
			fs.copyFileSync(
				path.join(dir, 'models/staging/stg_orders.sql'),
				path.join(dir, 'models/marts/stg_orders.sql')
			)
		);
		expect(error.message).toMatch(
			/two models are named 'stg_orders': models\/marts\/stg_orders\.sql and models\/staging\/stg_orders\.sql|two models are named 'stg_orders': models\/staging\/stg_orders\.sql and models\/marts\/stg_orders\.sql/
		);
	});

	it('YAML naming a model that does not exist: file and line', async () => {
		const error = await brokenBuild((dir) =>
			edit(dir, 'models/marts/_marts__models.yml', (t) =>
				t.replace('- name: order_log', '- name: order_logs')
			)
		);
		expect(error.message).toMatch(
			/^models\/marts\/_marts__models\.yml:\d+: properties for model 'order_logs', but no model of that name exists \(closest: order_log/
		);
	});

	it('invalid YAML: file and line', async () => {
		const error = await brokenBuild((dir) =>
			edit(dir, 'dbt_project.yml', (t) => t.replace('vars:', 'vars:\n  - bad: ['))
		);
		expect(error.message).toMatch(/^dbt_project\.yml:\d+: invalid YAML/);
	});

	it('nothing was touched by any of them', async () => {
		expect(await engine.rows('marts', 'elder_orders', 'elder_id')).toHaveLength(4);
		expect(await engine.rows('raw', 'raw_orders', 'order_id')).toHaveLength(8);
	});
});

describe('failures inside a run', () => {
	it('a ragged seed fails that seed with file and line, and the old seed table stays', async () => {
		const dir = copyFixture();
		fs.appendFileSync(path.join(dir, 'seeds/raw_orders.csv'), '11,1,1\n');
		const outcome = await runTransform(engine.adapter, { projectDir: dir, verb: 'seed' });
		expect(outcome.exitCode).toBe(1);
		const seed = outcome.results.find((r) => r.uniqueId === 'seed.canteen.raw_orders')!;
		expect(seed.status).toBe('error');
		expect(seed.message).toMatch(/^seeds\/raw_orders\.csv:10: cannot read the CSV/);
		expect(await engine.rows('raw', 'raw_orders', 'order_id')).toHaveLength(8);
		fs.rmSync(dir, { recursive: true, force: true });
	});

	it('a SQL error fails the model with the engine’s message and keeps the previous table', async () => {
		const dir = copyFixture();
		edit(dir, 'models/marts/elder_orders.sql', (t) => t.replace('e.gender,', 'e.no_such_column,'));
		const before = await engine.rows('marts', 'elder_orders', 'elder_id');
		const outcome = await runTransform(engine.adapter, {
			projectDir: dir,
			verb: 'run',
			select: ['elder_orders']
		});
		expect(outcome.exitCode).toBe(1);
		const model = outcome.results.find((r) => r.uniqueId === 'model.canteen.elder_orders')!;
		expect(model.status).toBe('error');
		expect(model.message).toMatch(/no_such_column/);
		expect(await engine.rows('marts', 'elder_orders', 'elder_id')).toEqual(before);
		fs.rmSync(dir, { recursive: true, force: true });
	});

	it('a test on a column the model lacks names the YAML file', async () => {
		const dir = copyFixture();
		edit(dir, 'models/marts/_marts__models.yml', (t) =>
			t.replace('- name: orders', '- name: orderz\n        tests: [not_null]')
		);
		const outcome = await runTransform(engine.adapter, {
			projectDir: dir,
			verb: 'test',
			select: ['elder_orders']
		});
		expect(outcome.exitCode).toBe(1);
		const test = outcome.results.find((r) =>
			r.uniqueId.startsWith('test.canteen.not_null_elder_orders_orderz')
		)!;
		expect(test.status).toBe('error');
		expect(test.message).toMatch(
			/^models\/marts\/_marts__models\.yml: column 'orderz' of elder_orders does not exist \(columns: elder_id, gender, orders,.*\)\. Fix the YAML or the model\.$/
		);
		fs.rmSync(dir, { recursive: true, force: true });
	});
});

describe('the command line', () => {
	const cli = (args: string[]) =>
		spawnSync(process.execPath, ['--import', 'tsx', 'scripts/transform.ts', ...args], {
			encoding: 'utf8',
			env: { ...process.env, DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'transform-cli-')) }
		});

	it('rejects an unknown verb with usage and exit code 2', () => {
		const result = cli(['bild']);
		expect(result.status).toBe(2);
		expect(result.stderr).toMatch(
			/^error: expected one verb of seed, run, test, build, compile, ls, docs, got "bild"/
		);
	});

	it('lists a selection: +name, name+, tag:, path: and --exclude', () => {
		const ls = (...args: string[]) => {
			const result = cli([
				'ls',
				'--project-dir',
				FIXTURE,
				'--resource-type',
				'model',
				'--output',
				'name',
				...args
			]);
			expect(result.status, result.stderr).toBe(0);
			return result.stdout.trim().split('\n').sort();
		};
		expect(ls('-s', '+elder_orders')).toEqual([
			'elder_orders',
			'int_orders_joined',
			'stg_elders',
			'stg_orders',
			'stg_stations'
		]);
		expect(ls('-s', 'stg_orders+')).toEqual([
			'daily_orders',
			'elder_orders',
			'int_orders_joined',
			'order_log',
			'stg_orders'
		]);
		expect(ls('-s', 'tag:staging')).toEqual(['stg_elders', 'stg_orders', 'stg_stations']);
		expect(ls('-s', 'path:models/marts', '--exclude', 'order_log')).toEqual(['daily_orders', 'elder_orders']);
		expect(ls('-s', 'tag:marts,stg_orders+')).toEqual(['daily_orders', 'elder_orders', 'order_log']);
	});

	it('takes tests along as dbt’s --indirect-selection says', () => {
		const tests = (mode: string) => {
			const result = cli([
				'ls',
				'--project-dir',
				FIXTURE,
				'-s',
				'stg_orders',
				'--resource-type',
				'test',
				'--output',
				'name',
				'--indirect-selection',
				mode
			]);
			expect(result.status, result.stderr).toBe(0);
			return result.stdout.trim().split('\n');
		};
		const relationships = 'relationships_stg_orders_station_id_station_id_ref_stg_stations';
		expect(tests('eager')).toContain(relationships);
		expect(tests('cautious')).not.toContain(relationships);
		expect(tests('cautious')).toContain('unique_stg_orders_order_id');
	});

	it('says which selector matched nothing', () => {
		const result = cli(['ls', '--project-dir', FIXTURE, '-s', 'elder_order']);
		expect(result.status).toBe(2);
		expect(result.stderr).toMatch(/selector 'elder_order' matches nothing \(closest: elder_orders/);
	});
});
