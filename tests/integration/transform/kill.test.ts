/**
 * A runner killed with SIGKILL while it fills a table: the table's readers must keep the previous
 * build's rows, because the adapter fills `<name>__dbt_tmp` and swaps it in only once it is complete.
 * The next build must succeed and leave no temporary table of its own. The runner runs as the CLI in a
 * child process, as in production; the test opens the warehouse only between children, since one
 * process at a time may own the embedded data directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWarehouse, type Warehouse } from '$lib/server/warehouse';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'transform-kill-'));
const projectDir = path.join(root, 'canteen');
const dataDir = path.join(root, 'data');
const modelFile = path.join(projectDir, 'models/marts/elder_orders.sql');
const ELDER_ORDERS = 'analytics_marts.elder_orders';
const START_LINE = /START sql table model `analytics_marts`\.`elder_orders`/;
const OK_LINE = /OK created sql table model `analytics_marts`\.`elder_orders`/;
/** How long the kill comes after the START line: past the CREATE, well inside the slow SELECT. */
const KILL_DELAY_MS = 1_500;

let originalModel: string;
let firstRows: Record<string, unknown>[];

beforeAll(async () => {
	fs.cpSync(path.join(repoRoot, 'tests/fixtures/canteen'), projectDir, { recursive: true });
	originalModel = fs.readFileSync(modelFile, 'utf8');
	const build = runCli(['build']);
	expect(build.status, build.stderr).toBe(0);
	firstRows = await selectElderOrders();
	expect(firstRows.length).toBeGreaterThan(0);
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

// The env pins the embedded engine on our directory, whatever the developer's shell points at.
const childEnv = { ...process.env, DATA_DIR: dataDir, CLICKHOUSE_URL: undefined };
const CLI = ['--import', 'tsx', 'scripts/transform.ts'];
const cliArgs = (args: string[]) => [...CLI, ...args, '--project-dir', projectDir];

function runCli(args: string[]) {
	return spawnSync(process.execPath, cliArgs(args), { cwd: repoRoot, encoding: 'utf8', env: childEnv });
}

/** Opens the warehouse for one look and gives the directory back, so the next child can own it. */
async function withWarehouse<T>(read: (wh: Warehouse) => Promise<T>): Promise<T> {
	const wh = await createWarehouse({ mode: 'embedded', path: path.join(dataDir, 'warehouse') });
	try {
		return await read(wh);
	} finally {
		await wh.close();
	}
}

const selectElderOrders = () =>
	withWarehouse((wh) => wh.query<Record<string, unknown>>(`SELECT * FROM ${ELDER_ORDERS} ORDER BY elder_id`));

/** Tables, as `database.name`, whose names match `pattern` (a regular expression, re2 syntax). */
const listTables = (pattern: string) =>
	withWarehouse(async (wh) => {
		const rows = await wh.query<{ database: string; name: string }>(
			'SELECT database, name FROM system.tables WHERE match(name, {pattern:String}) ORDER BY database, name',
			{ pattern }
		);
		return rows.map((row) => `${row.database}.${row.name}`);
	});

/** What the adapter builds aside: a table's `__dbt_tmp`, an incremental's `__dbt_new`. */
const ADAPTER_LEFTOVERS = '__dbt_(tmp|new)$';
/**
 * What the engine builds aside: ClickHouse 26 runs `CREATE TABLE t AS SELECT` into its own
 * `_tmp_replace_<random>` table and renames that to `t` only when the SELECT is done (measured on 26.7),
 * so a CREATE … AS SELECT killed half-way leaves a table no build knows to drop.
 */
const ENGINE_LEFTOVERS = '^_tmp_replace_';

/**
 * The real model joined to one row that takes about a minute to compute, so the same rows and columns
 * arrive only after a long wait. The join's right side is computed before any row is written, which
 * keeps the build inside the statement that fills the table for that minute. The original file goes
 * in whole: its `config()` call renders to nothing wherever it stands.
 */
function slowDown(model: string): string {
	return `select r.*
from (
${model.trim()}
) as r
cross join (select sum(sipHash64(number)) as spin from numbers(2000000000)) as slow
`;
}

describe('a run killed while it fills a table', () => {
	it('leaves the previous table readable with the previous rows', async () => {
		fs.writeFileSync(modelFile, slowDown(originalModel));
		const child = spawn(process.execPath, cliArgs(['run', '-s', 'elder_orders']), {
			cwd: repoRoot,
			env: childEnv,
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
		const closed = once(child, 'close');
		try {
			await waitFor(() => START_LINE.test(stdout) || child.exitCode !== null, 30_000);
			expect(START_LINE.test(stdout), `no START line; stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(true);
			await sleep(KILL_DELAY_MS);
		} finally {
			child.kill('SIGKILL');
			await closed;
		}
		// Killed, not finished or failed on its own: otherwise the test would prove nothing.
		expect(child.signalCode, `stdout:\n${stdout}\nstderr:\n${stderr}`).toBe('SIGKILL');
		expect(stdout).not.toMatch(OK_LINE);

		// The kill landed inside the build: the half-built table is there, under the adapter's name only,
		// and the live one is untouched.
		expect(await listTables(`${ADAPTER_LEFTOVERS}|${ENGINE_LEFTOVERS}`)).toEqual([
			'analytics_marts.elder_orders__dbt_tmp'
		]);
		expect(await selectElderOrders()).toEqual(firstRows);
	});

	it('lets the next build succeed and leave none of its own temporary tables', async () => {
		fs.writeFileSync(modelFile, originalModel);
		const build = runCli(['build']);
		expect(build.status, `stdout:\n${build.stdout}\nstderr:\n${build.stderr}`).toBe(0);
		expect(build.stdout).toMatch(OK_LINE);
		expect(await listTables(ADAPTER_LEFTOVERS)).toEqual([]);
		expect(await selectElderOrders()).toEqual(firstRows);
	});

	// The adapter creates `__dbt_tmp` empty and fills it with INSERT, so a kill leaves no table of the
	// engine's own (CREATE … AS SELECT would leave a randomly named _tmp_replace_… table for good).
	it('leaves no table of the killed CREATE behind either', async () => {
		expect(await listTables(ENGINE_LEFTOVERS)).toEqual([]);
	});
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition() && Date.now() < deadline) await sleep(50);
}
