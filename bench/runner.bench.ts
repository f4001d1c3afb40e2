/**
 * npm run bench:runner -- [--runs 3] [--rows 10000000] [--out-dir bench/out]
 *
 * How fast the dbt-style runner builds on the embedded ClickHouse, and what it costs on top of the
 * engine. Two figures: the canteen fixture project built end to end (seeds, views, tables, tests),
 * and one big table model built by the runner next to the same CREATE … AS SELECT sent straight to
 * the engine. The two sides of the big table take turns, so a busy machine slows both alike; their
 * ratio compares between machines better than seconds do, though at 10M rows one round takes well
 * under a second and rounds vary by half on a shared machine. See bench/README.md.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { NodeResult } from '../src/lib/server/transform/artifacts';
import { createClickHouseAdapter } from '../src/lib/server/transform/adapters/clickhouse';
import { runTransform } from '../src/lib/server/transform/runner';
import type { Adapter } from '../src/lib/server/transform/types';
import { createWarehouse, type Warehouse } from '../src/lib/server/warehouse';
import { runCli } from '../scripts/cli';
import { describeMachine } from './machine';

const USAGE = 'usage: npm run bench:runner -- [--runs 3] [--rows 10000000] [--out-dir bench/out]';
const FIXTURE = path.resolve(import.meta.dirname, '../tests/fixtures/canteen');
/** Where the direct side builds: its own database, so the two sides never touch each other's table. */
const DIRECT_TABLE = '`bench_direct`.`big_table`';
const RUNNER_TABLE = '`analytics`.`big_table`';

interface FixtureRun {
	/** runTransform from the call to its return, on a warehouse with none of the project's schemas. */
	seconds: number;
	/** The same build again at once: views replaced, the table swapped, incrementals adding new rows. */
	rebuildSeconds: number;
	/** Nodes executed, by resource type (seed, model, test), with their summed execution times. */
	nodes: Record<string, { count: number; seconds: number }>;
}

interface BigTableRound {
	/** runTransform from the call to its return. */
	runnerSeconds: number;
	/** Of that, the runner's statements that run the model's SELECT: the rest is its bookkeeping. */
	runnerSelectSeconds: number;
	directSeconds: number;
	/** Which side went first this round. */
	first: 'runner' | 'direct';
}

await runCli(async () => {
	const options = readOptions();
	fs.mkdirSync(options.outDir, { recursive: true });
	// One warehouse for the whole benchmark: the embedded engine binds one data directory per process.
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-runner-'));
	const warehouse = await createWarehouse({ mode: 'embedded', path: path.join(root, 'warehouse') });
	try {
		const machine = { ...describeMachine(), engine: `chdb ${await warehouse.version()}` };
		const loadBefore = os.loadavg()[0]!;
		process.stderr.write(`Runner benchmark: ${options.runs} runs, ${options.rows} rows, in ${root}\n`);

		const fixtureRuns = await benchFixture(warehouse, root, options.runs);
		const rounds = await benchBigTable(warehouse, root, options);

		const runnerMedian = median(rounds.map((r) => r.runnerSeconds));
		const directMedian = median(rounds.map((r) => r.directSeconds));
		const result = {
			benchmark: 'runner',
			date: new Date().toISOString(),
			machine: { ...machine, loadAverage: [loadBefore, os.loadavg()[0]!] },
			options: { runs: options.runs, rows: options.rows },
			fixture: {
				project: 'tests/fixtures/canteen',
				medianSeconds: median(fixtureRuns.map((r) => r.seconds)),
				medianRebuildSeconds: median(fixtureRuns.map((r) => r.rebuildSeconds)),
				// Per resource type: the count, and the median over the runs of its nodes' summed times.
				nodes: Object.fromEntries(
					Object.entries(fixtureRuns[0]!.nodes).map(([type, { count }]) => [
						type,
						{ count, seconds: median(fixtureRuns.map((r) => r.nodes[type]?.seconds ?? 0)) }
					])
				),
				runs: fixtureRuns
			},
			bigTable: {
				rows: options.rows,
				runnerMedianSeconds: runnerMedian,
				runnerSelectMedianSeconds: median(rounds.map((r) => r.runnerSelectSeconds)),
				directMedianSeconds: directMedian,
				ratio: runnerMedian / directMedian,
				// Measured within each runner build, so free of the noise between two separate builds: parse,
				// compile, catalogue lookups, the count, EXCHANGE, dropping the old table, the artifacts.
				bookkeepingMedianSeconds: median(rounds.map((r) => r.runnerSeconds - r.runnerSelectSeconds)),
				rounds
			}
		};

		const stamp = result.date.slice(0, 16).replace(/:/g, '');
		const json = path.join(options.outDir, `runner-${stamp}.json`);
		fs.writeFileSync(json, `${JSON.stringify(result, null, '\t')}\n`);
		process.stdout.write(`${formatMarkdown(result)}\nFigures written to ${json}\n`);
	} finally {
		await warehouse.close();
		fs.rmSync(root, { recursive: true, force: true });
	}
});

function readOptions() {
	let values;
	try {
		({ values } = parseArgs({
			options: {
				runs: { type: 'string', default: '3' },
				rows: { type: 'string', default: '10000000' },
				'out-dir': { type: 'string', default: 'bench/out' }
			}
		}));
	} catch (error) {
		throw new Error(`${(error as Error).message}. ${USAGE}`);
	}
	const options = {
		runs: Number(values.runs),
		rows: Number(values.rows),
		outDir: path.resolve(values['out-dir'])
	};
	if (!Number.isInteger(options.runs) || options.runs < 1 || options.runs > 20) {
		throw new Error(`--runs must be a whole number from 1 to 20. ${USAGE}`);
	}
	if (!Number.isSafeInteger(options.rows) || options.rows < 1) {
		throw new Error(`--rows must be a positive whole number. ${USAGE}`);
	}
	return options;
}

/**
 * The fixture built `runs` times, each on a warehouse emptied of the project's schemas and then once
 * more at once. A copy is built, because the runner writes its target/ into the project.
 */
async function benchFixture(warehouse: Warehouse, root: string, runs: number): Promise<FixtureRun[]> {
	const projectDir = path.join(root, 'canteen');
	fs.cpSync(FIXTURE, projectDir, { recursive: true });
	const adapter = createClickHouseAdapter(warehouse);
	const build = () => buildOrThrow(adapter, projectDir);
	// Untimed: the process's first statements are slower (the engine warms up), and would be one run's figure.
	await build();
	const fixtureRuns: FixtureRun[] = [];
	for (let run = 1; run <= runs; run++) {
		await dropUserDatabases(warehouse);
		const first = await timed(build);
		const again = await timed(build);
		fixtureRuns.push({
			seconds: first.seconds,
			rebuildSeconds: again.seconds,
			nodes: countNodes(first.value)
		});
		process.stderr.write(
			`  fixture run ${run}: ${first.seconds.toFixed(2)} s, rebuild ${again.seconds.toFixed(2)} s\n`
		);
	}
	return fixtureRuns;
}

/**
 * The big table through the runner and straight through the engine, `runs` rounds, the side that
 * goes first alternating. The runner replaces its previous table as in production; the direct side
 * starts from no table (its DROP is not timed), as a fresh CREATE … AS SELECT would.
 */
async function benchBigTable(
	warehouse: Warehouse,
	root: string,
	options: { runs: number; rows: number }
): Promise<BigTableRound[]> {
	const select = `select number as id, number % 141 as township, toDate('2025-01-01') + (number % 700) as day, number % 1000 / 10.0 as amount from numbers(${options.rows})`;
	const projectDir = path.join(root, 'big');
	fs.mkdirSync(path.join(projectDir, 'models'), { recursive: true });
	fs.writeFileSync(
		path.join(projectDir, 'dbt_project.yml'),
		"name: bench_runner\nversion: '1.0'\nmodel-paths: ['models']\n"
	);
	fs.writeFileSync(
		path.join(projectDir, 'models/big_table.sql'),
		`{{ config(materialized='table', order_by='id') }}\n${select}\n`
	);
	await warehouse.command('CREATE DATABASE IF NOT EXISTS bench_direct');

	// The runner's warehouse times the statements that carry the model's SELECT (whether the adapter
	// creates the table from it or creates it empty and inserts), so its bookkeeping can be told apart.
	let selectSeconds = 0;
	const adapter = createClickHouseAdapter({
		...warehouse,
		async command(sql, params) {
			const { seconds } = await timed(() => warehouse.command(sql, params));
			if (sql.includes(select)) selectSeconds += seconds;
		}
	});
	const viaRunner = async () => {
		await settle(warehouse);
		selectSeconds = 0;
		const { seconds } = await timed(() => buildOrThrow(adapter, projectDir));
		return { seconds, selectSeconds };
	};
	const direct = async () => {
		await warehouse.command(`DROP TABLE IF EXISTS ${DIRECT_TABLE} SYNC`);
		await settle(warehouse);
		const { seconds } = await timed(() =>
			warehouse.command(`CREATE TABLE ${DIRECT_TABLE} ENGINE = MergeTree ORDER BY id AS ${select}`)
		);
		return seconds;
	};

	// An untimed round first: the first big CREATE in a process takes about three times as long.
	await viaRunner();
	await direct();
	const rounds: BigTableRound[] = [];
	for (let round = 1; round <= options.runs; round++) {
		const first = round % 2 === 1 ? 'runner' : 'direct';
		let runner: { seconds: number; selectSeconds: number };
		let directSeconds: number;
		if (first === 'runner') {
			runner = await viaRunner();
			directSeconds = await direct();
		} else {
			directSeconds = await direct();
			runner = await viaRunner();
		}
		rounds.push({
			runnerSeconds: runner.seconds,
			runnerSelectSeconds: runner.selectSeconds,
			directSeconds,
			first
		});
		process.stderr.write(
			`  big table round ${round}: runner ${runner.seconds.toFixed(2)} s, direct ${directSeconds.toFixed(2)} s\n`
		);
	}
	await assertSameTable(warehouse, options.rows);
	return rounds;
}

/** Both sides must have done the same work, or their ratio means nothing. */
async function assertSameTable(warehouse: Warehouse, rows: number): Promise<void> {
	const digest = (table: string) =>
		warehouse.query<{ rows: string; checksum: string }>(
			`SELECT count() AS rows, groupBitXor(cityHash64(id, township, day, amount)) AS checksum FROM ${table}`
		);
	const [[runner], [direct]] = await Promise.all([digest(RUNNER_TABLE), digest(DIRECT_TABLE)]);
	if (Number(runner?.rows) !== rows || JSON.stringify(runner) !== JSON.stringify(direct)) {
		throw new Error(
			`the runner's and the direct table differ: ${JSON.stringify(runner)} vs ${JSON.stringify(direct)}`
		);
	}
}

async function buildOrThrow(adapter: Adapter, projectDir: string): Promise<NodeResult[]> {
	const outcome = await runTransform(adapter, { projectDir, verb: 'build' });
	const failed = outcome.results.filter((r) => r.status === 'error' || r.status === 'fail');
	if (outcome.exitCode !== 0) {
		throw new Error(
			`build of ${projectDir} failed: ${failed.map((r) => `${r.uniqueId}: ${r.message}`).join('; ')}`
		);
	}
	return outcome.results;
}

/**
 * Lets earlier work finish before a side is timed: background merges, then the kernel's writing of
 * files (`sync`). Each side then starts as a nightly build does, with yesterday's table on disk, and
 * pays for none of the other side's writes. (Measured on 26.7: DROP and CREATE … AS SELECT of 10M rows
 * took about 0.35 s when the dropped table had not reached the disk yet, 0.65 s when it had.)
 */
async function settle(warehouse: Warehouse): Promise<void> {
	const deadline = Date.now() + 60_000;
	while (Date.now() < deadline) {
		const [row] = await warehouse.query<{ merges: string }>('SELECT count() AS merges FROM system.merges');
		if (Number(row?.merges ?? 0) === 0) break;
		await sleep(100);
	}
	spawnSync('sync');
}

/** The benchmark owns this warehouse, so every database but the engine's own is its leftover. */
async function dropUserDatabases(warehouse: Warehouse): Promise<void> {
	const rows = await warehouse.query<{ name: string }>(
		"SELECT name FROM system.databases WHERE name NOT IN ('system', 'default', 'information_schema', 'INFORMATION_SCHEMA')"
	);
	for (const { name } of rows) await warehouse.command(`DROP DATABASE \`${name}\` SYNC`);
}

function countNodes(results: NodeResult[]): FixtureRun['nodes'] {
	const nodes: FixtureRun['nodes'] = {};
	for (const result of results) {
		// A unique id starts with its resource type: model.canteen.elder_orders.
		const type = result.uniqueId.split('.')[0]!;
		nodes[type] ??= { count: 0, seconds: 0 };
		nodes[type].count++;
		nodes[type].seconds += result.executionTime;
	}
	return nodes;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
	const started = performance.now();
	const value = await work();
	return { value, seconds: (performance.now() - started) / 1000 };
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function formatMarkdown(result: {
	date: string;
	machine: ReturnType<typeof describeMachine> & { engine: string; loadAverage: number[] };
	options: { runs: number; rows: number };
	fixture: { medianSeconds: number; medianRebuildSeconds: number; nodes: FixtureRun['nodes'] };
	bigTable: {
		runnerMedianSeconds: number;
		runnerSelectMedianSeconds: number;
		directMedianSeconds: number;
		ratio: number;
		bookkeepingMedianSeconds: number;
	};
}): string {
	const { machine, options, fixture, bigTable: big } = result;
	const s = (n: number) => n.toFixed(2);
	const rows = options.rows.toLocaleString('en-US');
	const nodes = Object.entries(fixture.nodes)
		.map(([type, { count }]) => `${count} ${type}s`)
		.join(', ');
	const lines = [
		`## Runner benchmark — ${result.date.slice(0, 10)}, ${options.runs} runs, medians`,
		'',
		`${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, ${machine.os}, Node ${machine.node}, ${machine.engine}; ` +
			`load average ${machine.loadAverage.map((n) => n.toFixed(1)).join(' → ')}`,
		'',
		'| figure | seconds |',
		'| --- | ---: |',
		`| fixture build, empty warehouse (${nodes}) | ${s(fixture.medianSeconds)} |`,
		`| fixture build again at once | ${s(fixture.medianRebuildSeconds)} |`,
		`| ${rows}-row table, runner (runTransform) | ${s(big.runnerMedianSeconds)} |`,
		`| ${rows}-row table, CREATE … AS SELECT straight to the engine | ${s(big.directMedianSeconds)} |`,
		`| runner ÷ direct | ${big.ratio.toFixed(2)} × |`,
		`| runner's statements running the model's SELECT | ${s(big.runnerSelectMedianSeconds)} |`,
		`| runner's bookkeeping (the rest of its time) | ${s(big.bookkeepingMedianSeconds)} |`,
		'',
		'| fixture node type | count | seconds, all of them |',
		'| --- | ---: | ---: |',
		...Object.entries(fixture.nodes).map(([type, n]) => `| ${type} | ${n.count} | ${s(n.seconds)} |`)
	];
	return `${lines.join('\n')}\n`;
}
