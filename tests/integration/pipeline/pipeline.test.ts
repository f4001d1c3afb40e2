/**
 * The nightly pipeline end to end on real parts (SQLite demo systems, embedded ClickHouse): a night
 * publishes and records itself; a night whose data breaks an error-severity test publishes nothing
 * and says why, leaving yesterday's marts; a night killed half-way and run again equals a clean night;
 * a night after a day of changes recomputes only what changed and publishes what a full rebuild would,
 * and a night after the transforms changed rebuilds and tests everything.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import knex from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/lib/server/config';
import { generateDemo } from '../../../src/lib/server/demo/generate';
import { tickDemo } from '../../../src/lib/server/demo/tick';
import { DEFAULT_TRANSFORMS_DIR } from '../../../src/lib/server/etl/declarations';
import { runPipeline } from '../../../src/lib/server/pipeline/run-pipeline';
import { listRuns } from '../../../src/lib/server/pipeline/run-log';
import { createClickHouseAdapter } from '../../../src/lib/server/transform/adapters/clickhouse';
import { runTransform } from '../../../src/lib/server/transform/runner';
import { createWarehouse, type Warehouse } from '../../../src/lib/server/warehouse';
import { rawChecksums } from '../raw-checksums';

const DEMO = { seed: 21, scale: 0.002, asOf: '2026-06-30', progress: 'quiet' as const };
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A DATA_DIR with demo systems generated into it, and its configuration. */
async function prepareDataDir(name: string) {
	const dataDir = path.join(root, name);
	const config = loadConfig({ DATA_DIR: dataDir, PIPELINE_SCHEDULE: 'off' });
	await generateDemo({ ...DEMO, target: config.demoSourcePath });
	return config;
}

describe('a night, and a night that must not publish', () => {
	let warehouse: Warehouse;
	let config: ReturnType<typeof loadConfig>;

	beforeAll(async () => {
		config = await prepareDataDir('nights');
		warehouse = await createWarehouse(config.warehouse);
	});
	afterAll(async () => warehouse?.close());

	it('publishes and records the run, the loads and every node', async () => {
		const outcome = await runPipeline({ warehouse, config, trigger: 'manual' });
		expect(outcome.status, outcome.message).toBe('success');
		expect(outcome.dataVersion).toBe(1);
		expect(outcome.rowsLoaded).toBeGreaterThan(10_000);
		const [run] = await listRuns(warehouse, 1);
		expect(run).toMatchObject({ run_id: outcome.runId, status: 'success', data_version: '1' });
		const loads = await warehouse.query<{ n: string }>(
			'SELECT count() AS n FROM meta.etl_loads WHERE run_id = {r:String}',
			{
				r: outcome.runId
			}
		);
		expect(Number(loads[0]!.n)).toBe(20);
		const failedNodes = await warehouse.query<{ n: string }>(
			"SELECT count() AS n FROM meta.node_runs WHERE run_id = {r:String} AND status IN ('error', 'fail')",
			{ r: outcome.runId }
		);
		expect(Number(failedNodes[0]!.n)).toBe(0);
	});

	it('keeps yesterday’s marts when tonight’s data fails an error-severity test', async () => {
		const marts = await warehouse.query<{ name: string; total_rows: string }>(
			"SELECT name, toString(total_rows) AS total_rows FROM system.tables WHERE database = 'marts' ORDER BY name"
		);
		expect(marts.length).toBeGreaterThan(0);
		// A platform starts writing a category the models do not know.
		const source = knex({
			client: 'better-sqlite3',
			connection: { filename: config.demoSourcePath },
			useNullAsDefault: true
		});
		await source('persons')
			.where('id', 1)
			.update({ category: '临时困难', updated_at: '2026-06-30 23:00:00' });
		await source.destroy();

		const outcome = await runPipeline({ warehouse, config, trigger: 'manual' });
		expect(outcome.status).toBe('failed');
		expect(outcome.dataVersion).toBeUndefined();
		expect(outcome.message).toMatch(
			/^Not published: \d+ model\(s\) or test\(s\) failed; yesterday's numbers stay\. .*accepted_values_stg_assistance__persons_category/
		);
		expect(
			await warehouse.query(
				"SELECT name, toString(total_rows) AS total_rows FROM system.tables WHERE database = 'marts' ORDER BY name"
			)
		).toEqual(marts);
		const versions = await warehouse.query<{ v: string }>(
			'SELECT toString(max(version)) AS v FROM meta.data_versions'
		);
		expect(versions[0]!.v).toBe('1');
		const [run] = await listRuns(warehouse, 1);
		expect(run).toMatchObject({ run_id: outcome.runId, status: 'failed' });
	});
});

describe('a night killed half-way', () => {
	it('run again, gives the same raw layer as a clean night', async () => {
		const clean = await prepareDataDir('clean');
		const killed = await prepareDataDir('killed');
		// The same key for both, so hashed columns compare.
		fs.mkdirSync(killed.dataDir, { recursive: true });
		fs.writeFileSync(killed.pseudonymKeyFile, `${'ab'.repeat(32)}\n`, { mode: 0o600 });
		fs.writeFileSync(clean.pseudonymKeyFile, `${'ab'.repeat(32)}\n`, { mode: 0o600 });

		const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/pipeline.ts'], {
			env: { ...process.env, DATA_DIR: killed.dataDir, PIPELINE_SCHEDULE: 'off' },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let stdout = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
		const exited = once(child, 'exit');
		// Kill it once a few tables have loaded, mid-ETL.
		const deadline = Date.now() + 60_000;
		while ((stdout.match(/^✓ /gm) ?? []).length < 4 && Date.now() < deadline)
			await new Promise((r) => setTimeout(r, 20));
		child.kill('SIGKILL');
		await exited;
		expect(child.signalCode).toBe('SIGKILL');
		expect(stdout).not.toMatch(/building and testing/);

		let warehouse = await createWarehouse(killed.warehouse);
		try {
			expect((await runPipeline({ warehouse, config: killed, trigger: 'manual' })).status).toBe('success');
			const afterRerun = await rawChecksums(warehouse);
			await warehouse.close();
			warehouse = await createWarehouse(clean.warehouse);
			expect((await runPipeline({ warehouse, config: clean, trigger: 'manual' })).status).toBe('success');
			expect(afterRerun).toEqual(await rawChecksums(warehouse));
		} finally {
			await warehouse.close();
		}
	});
});

describe('a night after a day of changes', () => {
	let warehouse: Warehouse;
	let config: ReturnType<typeof loadConfig>;

	beforeAll(async () => {
		config = await prepareDataDir('incremental');
		warehouse = await createWarehouse(config.warehouse);
	});
	afterAll(async () => warehouse?.close());

	it('recomputes only the changed months and publishes what a full rebuild publishes', async () => {
		expect((await runPipeline({ warehouse, config, trigger: 'manual' })).status).toBe('success');
		// The tick's day follows the data's last; the tick dispatches every waiting alert, so move one first.
		const tickDay = new Date(Date.parse(`${DEMO.asOf}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
		await moveAnAlertToAMonthsFirstHours(config.demoSourcePath, tickDay);
		await tickDemo(config.demoSourcePath);
		const night = await runPipeline({ warehouse, config, trigger: 'manual' });
		expect(night.status, night.message).toBe('success');

		// The daily meal mart added the tick's month and left the others as they were.
		const [mealDaily] = await warehouse.query<{ rows: string; total: string }>(
			`SELECT toString(rows) AS rows, (SELECT toString(count()) FROM marts.elderly_meal_orders_daily) AS total
			 FROM meta.node_runs WHERE run_id = {r:String} AND unique_id = 'model.civil_affairs.elderly_meal_orders_daily'`,
			{ r: night.runId }
		);
		expect(Number(mealDaily!.rows)).toBeGreaterThan(0);
		expect(Number(mealDaily!.rows)).toBeLessThan(Number(mealDaily!.total));
		const [recorded] = await warehouse.query<{ n: string }>(
			'SELECT toString(countIf(loaded_through IS NOT NULL)) AS n FROM meta.pipeline_runs FINAL'
		);
		expect(recorded!.n).toBe('2');

		const incremental = await martChecksums(warehouse);
		const full = await runTransform(createClickHouseAdapter(warehouse), {
			projectDir: DEFAULT_TRANSFORMS_DIR,
			verb: 'build',
			publish: true,
			fullRefresh: true
		});
		expect(full.exitCode).toBe(0);
		expect(await martChecksums(warehouse)).toEqual(incremental);
	});

	it('tests every row and builds every month the night after the transforms changed', async () => {
		// The same project with one model's comment changed, beside a link to the seeds it reads (../seeds).
		const copy = path.join(root, 'changed', 'transforms');
		fs.cpSync(DEFAULT_TRANSFORMS_DIR, copy, {
			recursive: true,
			filter: (from) => path.basename(from) !== 'target'
		});
		fs.symlinkSync(path.resolve(DEFAULT_TRANSFORMS_DIR, '..', 'seeds'), path.join(root, 'changed', 'seeds'));
		const model = path.join(copy, 'models', 'marts', 'elderly', 'elderly_meal_orders_daily.sql');
		fs.appendFileSync(model, '\n-- changed\n');

		const mealDailyRows = async (runId: string) => {
			const [row] = await warehouse.query<{ rows: string; total: string }>(
				`SELECT toString(rows) AS rows, (SELECT toString(count()) FROM marts.elderly_meal_orders_daily) AS total
				 FROM meta.node_runs WHERE run_id = {r:String} AND unique_id = 'model.civil_affairs.elderly_meal_orders_daily'`,
				{ r: runId }
			);
			return { rows: Number(row!.rows), total: Number(row!.total) };
		};
		const lines: string[] = [];
		const changed = await runPipeline({
			warehouse,
			config,
			trigger: 'manual',
			transformsDir: copy,
			log: (line) => lines.push(line)
		});
		expect(changed.status, changed.message).toBe('success');
		expect(lines.some((line) => line.includes('every row is tested and every month built tonight'))).toBe(
			true
		);
		const rebuilt = await mealDailyRows(changed.runId);
		expect(rebuilt.rows).toBe(rebuilt.total);

		// The next night with the same transforms goes back to the night's changes.
		const next = await runPipeline({ warehouse, config, trigger: 'manual', transformsDir: copy });
		expect(next.status, next.message).toBe('success');
		const incremental = await mealDailyRows(next.runId);
		expect(incremental.rows).toBeLessThan(incremental.total);
	});
});

/**
 * Moves an alert from an earlier month to 02:00 on the first of the next, Qingdao time: still the
 * month before in UTC, so a night that took months in another time zone than the marts' days would
 * leave the alert out of its new month.
 */
async function moveAnAlertToAMonthsFirstHours(file: string, day: string): Promise<void> {
	const source = knex({ client: 'better-sqlite3', connection: { filename: file }, useNullAsDefault: true });
	try {
		// One whose next month the tick leaves alone (it dispatches and closes waiting alerts), so that only
		// this move can bring that month into the night.
		const nextMonth = "strftime('%Y-%m', a.raised_at, 'start of month', '+1 month')";
		const alert = await source('alerts as a')
			.whereNull('a.dispatched_at')
			.where('a.raised_at', '<', `${day.slice(0, 7)}-01`)
			.whereNotExists((waiting) =>
				waiting
					.from('alerts as b')
					.where((w) => w.whereNull('b.dispatched_at').orWhereNull('b.closed_at'))
					.where((w) =>
						w
							.where(source.raw(`substr(b.raised_at, 1, 7) = ${nextMonth}`))
							.orWhere(source.raw(`substr(b.dispatched_at, 1, 7) = ${nextMonth}`))
					)
			)
			.orderBy('a.raised_at')
			.first('a.id', 'a.closed_at', source.raw(`${nextMonth} as next`));
		expect(alert, 'an alert never dispatched, from an earlier month').toBeDefined();
		const { next } = alert as { next: string };
		await source('alerts')
			.where('id', alert.id)
			.update({
				raised_at: `${next}-01 02:00:00`,
				closed_at: alert.closed_at === null ? null : `${next}-01 03:00:00`,
				updated_at: `${day} 00:30:00`
			});
	} finally {
		await source.destroy();
	}
}

/** Each mart as `count:hash` of its rows, aggregate states finalised so equal contents hash alike. */
async function martChecksums(warehouse: Warehouse): Promise<Record<string, string>> {
	const columns = await warehouse.query<{ table: string; name: string; type: string }>(
		"SELECT table, name, type FROM system.columns WHERE database = 'marts' ORDER BY table, position"
	);
	const out: Record<string, string> = {};
	for (const table of [...new Set(columns.map((c) => c.table))]) {
		const values = columns
			.filter((c) => c.table === table)
			.map((c) =>
				c.type.startsWith('AggregateFunction') ? `finalizeAggregation(\`${c.name}\`)` : `\`${c.name}\``
			);
		const [row] = await warehouse.query<{ n: string; h: string }>(
			`SELECT toString(count()) AS n, toString(groupBitXor(cityHash64(${values.join(', ')}))) AS h FROM marts.\`${table}\``
		);
		out[table] = `${row!.n}:${row!.h}`;
	}
	return out;
}
