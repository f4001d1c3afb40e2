/**
 * The dbt-style runner on the fixture project (tests/fixtures/canteen), on every engine: the same
 * rows, the same test outcomes, skip propagation, incremental semantics, publish and artifacts.
 * Each engine works on its own copy of the project, so artifacts never mix.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTransform, type TransformOptions } from '../../../src/lib/server/transform/runner';
import { openClickHouse, openPostgres, openSqlite, POSTGRES_URL, type Engine } from './engines';
import { copyFixture } from './fixture';

type Order = { order_id: string; elder_id: string; order_date: string; meal: string; amount_cents: string };

function readOrders(projectDir: string): Order[] {
	return parse(fs.readFileSync(path.join(projectDir, 'seeds/raw_orders.csv')), { columns: true }) as Order[];
}

/** What elder_orders must hold, worked out from the seed CSVs in plain JavaScript. */
function expectedElderOrders(projectDir: string) {
	const elders = parse(fs.readFileSync(path.join(projectDir, 'seeds/raw_elders.csv')), {
		columns: true,
		bom: true
	}) as { elder_id: string; gender: string }[];
	const orders = readOrders(projectDir);
	return elders.map((elder) => {
		const mine = orders.filter((o) => o.elder_id === elder.elder_id);
		const sum = (meal?: string) =>
			mine.filter((o) => !meal || o.meal === meal).reduce((total, o) => total + Number(o.amount_cents), 0);
		return {
			elder_id: Number(elder.elder_id),
			gender: elder.gender,
			orders: mine.length,
			lunch_cents: sum('lunch'),
			dinner_cents: sum('dinner'),
			amount_yuan: sum() / 100
		};
	});
}

function expectedDailyOrders(projectDir: string) {
	const byDay = new Map<string, { orders: number; amount_cents: number }>();
	for (const o of readOrders(projectDir)) {
		const day = byDay.get(o.order_date) ?? { orders: 0, amount_cents: 0 };
		day.orders += 1;
		day.amount_cents += Number(o.amount_cents);
		byDay.set(o.order_date, day);
	}
	return [...byDay].sort().map(([order_date, v]) => ({ order_date, ...v }));
}

function statuses(outcome: Awaited<ReturnType<typeof runTransform>>): Record<string, string> {
	return Object.fromEntries(
		outcome.results.map((r) => [r.uniqueId.split('.').slice(0, 3).join('.'), r.status])
	);
}

function describeEngine(name: string, open: () => Promise<Engine>, skipReason?: string) {
	describe.skipIf(Boolean(skipReason))(`${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
		let engine: Engine;
		let projectDir: string;
		const lines: string[] = [];
		const run = (options: Omit<TransformOptions, 'projectDir'>) =>
			runTransform(engine.adapter, { projectDir, log: (l) => lines.push(l), ...options });

		beforeAll(async () => {
			engine = await open();
			projectDir = copyFixture();
		});
		afterAll(async () => {
			await engine?.close();
			fs.rmSync(projectDir, { recursive: true, force: true });
		});

		it('builds seeds, models and tests in order, with the expected rows', async () => {
			// Threads are used where the engine allows them (PostgreSQL) and ignored elsewhere.
			const outcome = await run({ verb: 'build', threads: 4 });
			expect(outcome.exitCode).toBe(0);
			expect(lines.join('\n')).toMatch(
				/OK created sql table model .*elder_orders.* \[SELECT 4 in \d+\.\d+s\]/
			);
			expect(lines.join('\n')).toMatch(/Done\. PASS=\d+ WARN=1 ERROR=0 SKIP=0 TOTAL=25/);
			const status = statuses(outcome);
			expect(status['seed.canteen.raw_orders']).toBe('success');
			expect(status['model.canteen.elder_orders']).toBe('success');
			expect(status['test.canteen.unique_stg_orders_order_id']).toBe('pass');
			expect(status['test.canteen.assert_daily_totals_match_orders']).toBe('pass');
			// A warn-severity test that finds rows warns without failing the run.
			expect(status['test.canteen.accepted_values_stg_elders_gender_F']).toBe('warn');
			// The ephemeral model is inlined, never built.
			expect(Object.keys(status)).not.toContain('model.canteen.int_orders_joined');
			expect(await engine.rows('marts', 'elder_orders', 'elder_id')).toEqual(expectedElderOrders(projectDir));
			expect(await engine.rows('marts', 'daily_orders', 'order_date')).toEqual(
				expectedDailyOrders(projectDir)
			);
			// Seeds keep text with commas, quotes, newlines and Chinese, and read a BOM and CRLF file.
			const stations = await engine.rows('raw', 'raw_stations', 'station_id');
			expect(stations.map((s) => s.name)).toEqual([
				'Zhongshan Road station, east',
				'Taidong station',
				'Licang "Sunshine" canteen'
			]);
			expect(stations[0]!.township_code).toBe('370202001');
			const elders = await engine.rows('raw', 'raw_elders', 'elder_id');
			expect(elders[1]).toMatchObject({
				elder_id: 2,
				name: '王建国',
				note: 'lives alone,\r\nneeds delivery'
			});
		});

		it('writes manifest.json and run_results.json in dbt’s shape', () => {
			const target = path.join(projectDir, 'target');
			const manifest = JSON.parse(fs.readFileSync(path.join(target, 'manifest.json'), 'utf8'));
			const model = manifest.nodes['model.canteen.elder_orders'];
			expect(model.depends_on.nodes.sort()).toEqual([
				'model.canteen.int_orders_joined',
				'model.canteen.stg_elders'
			]);
			expect(model.config.materialized).toBe('table');
			expect(model.description).toMatch(/One row per elder/);
			expect(manifest.sources['source.canteen.canteen_raw.raw_stations']).toBeDefined();
			expect(manifest.child_map['model.canteen.stg_orders']).toContain('model.canteen.int_orders_joined');
			const results = JSON.parse(fs.readFileSync(path.join(target, 'run_results.json'), 'utf8'));
			const unique = results.results.find((r: { unique_id: string }) =>
				r.unique_id.startsWith('test.canteen.unique_stg_orders')
			);
			expect(unique).toMatchObject({ status: 'pass', failures: 0 });
			expect(unique.timing.map((t: { name: string }) => t.name)).toEqual(['compile', 'execute']);
			expect(results.elapsed_time).toBeGreaterThan(0);
			expect(
				fs.readFileSync(path.join(target, 'compiled/canteen/models/marts/elder_orders.sql'), 'utf8')
			).toMatch(/with __dbt__cte__int_orders_joined as \(/);
		});

		it('compiles without running, and documents models with lineage', async () => {
			expect((await run({ verb: 'compile', select: ['daily_orders'] })).exitCode).toBe(0);
			const compiled = fs.readFileSync(
				path.join(projectDir, 'target/compiled/canteen/models/marts/daily_orders.sql'),
				'utf8'
			);
			// The table exists now, so is_incremental() is true and the filter reads from the model itself.
			expect(compiled).toMatch(/where order_date >= \(select max\(order_date\) from .*daily_orders/);
			expect((await run({ verb: 'docs' })).exitCode).toBe(0);
			const catalog = JSON.parse(fs.readFileSync(path.join(projectDir, 'target/catalog.json'), 'utf8'));
			const model = catalog.nodes['model.canteen.elder_orders'];
			expect(model.description).toBe(
				'One row per elder: how many meals they ordered and what they spent, split by meal.'
			);
			expect(model.parents.sort()).toEqual(['model.canteen.int_orders_joined', 'model.canteen.stg_elders']);
			expect(model.columns.find((c: { name: string }) => c.name === 'lunch_cents')).toMatchObject({
				in_warehouse: true,
				documented: false
			});
			expect(model.tests.length).toBe(2);
		});

		it('runs an incremental model twice on the same input without duplicates, and adds exactly new rows', async () => {
			const before = await engine.rows('marts', 'order_log', 'order_id');
			expect((await run({ verb: 'run' })).exitCode).toBe(0);
			expect(await engine.rows('marts', 'order_log', 'order_id')).toEqual(before);
			expect(await engine.rows('marts', 'daily_orders', 'order_date')).toEqual(
				expectedDailyOrders(projectDir)
			);

			// New orders arrive: a late-entered one for the last day, and a new day.
			fs.appendFileSync(
				path.join(projectDir, 'seeds/raw_orders.csv'),
				'9,1,1,2026-03-03,lunch,1700,2026-03-03 20:30:00\n10,2,2,2026-03-04,lunch,1500,2026-03-04 12:00:00\n'
			);
			expect((await run({ verb: 'build' })).exitCode).toBe(0);
			const after = await engine.rows('marts', 'order_log', 'order_id');
			expect(after.length).toBe(before.length + 2);
			expect(after.slice(0, before.length)).toEqual(before);
			expect(after.slice(-2).map((r) => r.order_id)).toEqual([9, 10]);
			// delete+insert rebuilt the last day and added the new one.
			expect(await engine.rows('marts', 'daily_orders', 'order_date')).toEqual(
				expectedDailyOrders(projectDir)
			);
			// --full-refresh rebuilds from scratch to the same rows.
			expect((await run({ verb: 'run', fullRefresh: true, select: ['daily_orders'] })).exitCode).toBe(0);
			expect(await engine.rows('marts', 'daily_orders', 'order_date')).toEqual(
				expectedDailyOrders(projectDir)
			);
		});

		it('publishes marts from a shadow build and counts data versions', async () => {
			const first = await run({ verb: 'build', publish: true });
			expect(first.exitCode).toBe(0);
			expect(first.dataVersion).toBeGreaterThan(0);
			const second = await run({ verb: 'build', publish: true });
			expect(second.dataVersion).toBe(first.dataVersion! + 1);
			const tables = await engine.tables();
			expect(tables.filter((t) => t.includes('__shadow') || t.includes('__dbt_'))).toEqual([]);
			expect(await engine.rows('marts', 'elder_orders', 'elder_id')).toEqual(expectedElderOrders(projectDir));
		});

		it('stops at failing tests: downstream skipped, nothing published, live marts untouched', async () => {
			const liveBefore = await engine.rows('marts', 'elder_orders', 'elder_id');
			const outcome = await run({ verb: 'build', publish: true, vars: { inject_bad_rows: true } });
			expect(outcome.exitCode).toBe(1);
			expect(outcome.dataVersion).toBeUndefined();
			const status = statuses(outcome);
			expect(status['test.canteen.unique_stg_orders_order_id']).toBe('fail');
			expect(status['test.canteen.relationships_stg_orders_station_id_station_id_ref_stg_stations']).toBe(
				'fail'
			);
			expect(status['model.canteen.elder_orders']).toBe('skipped');
			expect(status['model.canteen.daily_orders']).toBe('skipped');
			expect(status['test.canteen.unique_elder_orders_elder_id']).toBe('skipped');
			const unique = outcome.results.find((r) => r.uniqueId.startsWith('test.canteen.unique_stg_orders'))!;
			expect(unique.failures).toBe(1);
			expect(unique.message).toMatch(/Got 1 failing row/);
			const skip = outcome.results.find((r) => r.uniqueId === 'model.canteen.elder_orders')!;
			expect(skip.message).toMatch(/skipped because .*stg_orders.* failed/);
			expect(lines.join('\n')).toMatch(/Not published/);
			expect(await engine.rows('marts', 'elder_orders', 'elder_id')).toEqual(liveBefore);
			// `test` alone reports failures with exit code 1 too.
			expect(
				(await run({ verb: 'test', vars: { inject_bad_rows: true }, select: ['stg_orders'] })).exitCode
			).toBe(1);
			// And a clean build heals the staging views again.
			expect((await run({ verb: 'build' })).exitCode).toBe(0);
		});
	});
}

describeEngine('ClickHouse (embedded)', openClickHouse);
describeEngine('SQLite', openSqlite);
describeEngine('PostgreSQL', openPostgres, POSTGRES_URL ? undefined : 'TEST_POSTGRES_URL not set');
