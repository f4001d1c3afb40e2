/**
 * npm run bench:pipeline -- [--scale 0.1] [--as-of 2026-11-27] [--from generated.sqlite] [--nights 3] [--out-dir bench/out] [--keep]
 *
 * The nightly pipeline at a scale: full first nights (ETL rows/s next to ClickHouse reading the same
 * SQLite tables directly with its sqlite() table function, before and after each night in the same
 * run, as a ratio, and the median of the nights; next to the engine copying them into MergeTree tables
 * with nothing else done; build seconds; total), then one demo tick and its whole pipeline (which must
 * succeed). Each further first night starts from an emptied warehouse.
 * Figures go to bench/README.md.
 * --from copies a demo database generated earlier (with the same scale and as-of) instead of
 * generating one: the tick changes the copy, never the original.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/lib/server/config';
import { tickDemo } from '../src/lib/server/demo/tick';
import { loadDeclarations } from '../src/lib/server/etl/declarations';
import { directLoadWriteSettings } from '../src/lib/server/etl/sqlite-direct';
import { runPipeline } from '../src/lib/server/pipeline/run-pipeline';
import { createWarehouse, quoteIdentifier, type Warehouse } from '../src/lib/server/warehouse';
import { runCli } from '../scripts/cli';
import { prepareDemoSource } from './demo-source';
import { waitForMerges } from './merges';
import { describeMachine } from './machine';

await runCli(async () => {
	const { values } = parseArgs({
		options: {
			scale: { type: 'string', default: '0.1' },
			'as-of': { type: 'string', default: '2026-11-27' },
			'out-dir': { type: 'string', default: 'bench/out' },
			from: { type: 'string' },
			nights: { type: 'string', default: '3' },
			keep: { type: 'boolean', default: false }
		}
	});
	const scale = Number(values.scale);
	const nightCount = Number(values.nights);
	if (!Number.isInteger(nightCount) || nightCount < 1) {
		throw new Error(`--nights takes a whole number of first nights, at least 1 (got '${values.nights}')`);
	}
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pipeline-'));
	const config = loadConfig({ DATA_DIR: dataDir, PIPELINE_SCHEDULE: 'off' });
	const say = (line: string) => process.stderr.write(`${line}\n`);
	try {
		say(`Pipeline benchmark: scale ${scale}, as of ${values['as-of']}, in ${dataDir}`);
		await prepareDemoSource({
			from: values.from,
			scale,
			asOf: values['as-of']!,
			target: config.demoSourcePath
		});
		const warehouse = await createWarehouse(config.warehouse);
		try {
			// First nights on an emptied warehouse, each between two of the engine's bare reads: this machine's
			// speed drifts within a run, so each night's ratio uses the mean of the reads beside it, and the
			// nights' median is the figure.
			const reads = [await readDirectly(warehouse, config.demoSourcePath)];
			say(
				`  ClickHouse sqlite() read: ${reads[0]!.rows.toLocaleString('en-US')} rows in ${reads[0]!.seconds.toFixed(1)} s`
			);
			const nights: FirstNight[] = [];
			for (let n = 1; n <= nightCount; n++) {
				if (n > 1) await emptyWarehouse(warehouse);
				const t0 = performance.now();
				const run = await runPipeline({ warehouse, config, trigger: 'manual' });
				const totalSeconds = (performance.now() - t0) / 1000;
				if (run.status !== 'success') throw new Error(`first night ${n} did not succeed: ${run.message}`);
				// The next read waits for a quiet engine, as the first one had.
				const mergesWaitedSeconds = await waitForMerges(warehouse);
				const read = await readDirectly(warehouse, config.demoSourcePath);
				const before = reads.at(-1)!;
				reads.push(read);
				const directSeconds = (before.seconds + read.seconds) / 2;
				nights.push({
					rows: run.rowsRead,
					etlSeconds: run.etlSeconds,
					buildSeconds: run.buildSeconds,
					totalSeconds,
					directReadSecondsBefore: before.seconds,
					directReadSecondsAfter: read.seconds,
					mergesWaitedSeconds,
					etlToDirectRatio: run.rowsRead / run.etlSeconds / (before.rows / directSeconds)
				});
				say(
					`  first night ${n}: ${run.rowsRead.toLocaleString('en-US')} rows, ETL ${run.etlSeconds.toFixed(1)} s, build ${run.buildSeconds.toFixed(1)} s; sqlite() read again: ${read.seconds.toFixed(1)} s (after ${mergesWaitedSeconds.toFixed(1)} s of merges left)`
				);
			}
			// The median night by its ratio stands for the run (of an even count, the lower middle one).
			const night = [...nights].sort((a, b) => a.etlToDirectRatio - b.etlToDirectRatio)[
				Math.floor((nights.length - 1) / 2)
			]!;
			const directSeconds = (night.directReadSecondsBefore + night.directReadSecondsAfter) / 2;
			const source = reads[0]!;
			const copy = await copyDirectly(warehouse, config.demoSourcePath, source.tableRows);
			if (copy.rows !== source.rows) {
				throw new Error(`the plain copy holds ${copy.rows} rows where the source has ${source.rows}`);
			}
			say(`  ClickHouse copy into MergeTree: ${copy.seconds.toFixed(1)} s`);

			await warehouse.close();
			const tickStarted = performance.now();
			const tick = await tickDemo(config.demoSourcePath);
			const tickWriteSeconds = (performance.now() - tickStarted) / 1000;
			const reopened = await createWarehouse(config.warehouse);
			let tickNight;
			try {
				const t1 = performance.now();
				tickNight = await runPipeline({ warehouse: reopened, config, trigger: 'manual' });
				if (tickNight.status !== 'success') {
					throw new Error(`the tick's night did not succeed: ${tickNight.message}`);
				}
				tickNight = { ...tickNight, totalSeconds: (performance.now() - t1) / 1000 };
			} finally {
				await reopened.close();
			}
			const etlRowsPerSecond = night.rows / night.etlSeconds;
			const directRowsPerSecond = source.rows / directSeconds;
			const copyRowsPerSecond = copy.rows / copy.seconds;
			// The copy against the bare read just before it: about as close as any load writing MergeTree can
			// come to the read on this machine.
			const lastRead = reads.at(-1)!;
			const copyToDirectRatio = copyRowsPerSecond / (lastRead.rows / lastRead.seconds);
			const result = {
				date: new Date().toISOString(),
				machine: describeMachine(),
				scale,
				asOf: values['as-of'],
				firstNight: {
					rows: night.rows,
					etlSeconds: night.etlSeconds,
					etlRowsPerSecond,
					buildSeconds: night.buildSeconds,
					totalSeconds: night.totalSeconds
				},
				directRead: {
					rows: source.rows,
					seconds: directSeconds,
					secondsBefore: night.directReadSecondsBefore,
					secondsAfter: night.directReadSecondsAfter,
					mergesWaitedSeconds: night.mergesWaitedSeconds,
					rowsPerSecond: directRowsPerSecond
				},
				etlToDirectRatio: night.etlToDirectRatio,
				nights,
				directCopy: { rows: copy.rows, seconds: copy.seconds, rowsPerSecond: copyRowsPerSecond },
				etlToCopyRatio: etlRowsPerSecond / copyRowsPerSecond,
				copyToDirectRatio,
				tick: {
					day: tick.day,
					writeSeconds: tickWriteSeconds,
					rowsRead: tickNight.rowsRead,
					quarantined: tickNight.rowsQuarantined,
					etlSeconds: tickNight.etlSeconds,
					buildSeconds: tickNight.buildSeconds,
					totalSeconds: tickNight.totalSeconds,
					status: tickNight.status
				}
			};
			fs.mkdirSync(values['out-dir']!, { recursive: true });
			const file = path.join(
				values['out-dir']!,
				`pipeline-${result.date.slice(0, 16).replace(/:/g, '')}-scale-${scale}.json`
			);
			fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
			process.stdout.write(
				[
					`| figure | value |`,
					`| --- | ---: |`,
					`| first night: rows extracted | ${night.rows.toLocaleString('en-US')} |`,
					`| ETL rows/s | ${Math.round(etlRowsPerSecond).toLocaleString('en-US')} |`,
					`| ClickHouse sqlite() direct read rows/s (median night: mean of ${night.directReadSecondsBefore.toFixed(1)} s before and ${night.directReadSecondsAfter.toFixed(1)} s after) | ${Math.round(directRowsPerSecond).toLocaleString('en-US')} |`,
					`| ETL ÷ direct read, median of ${nights.length} first nights | ${result.etlToDirectRatio.toFixed(2)} × |`,
					`| ETL ÷ direct read, each night (ETL s / bare read s before and after) | ${nights.map((n) => `${n.etlToDirectRatio.toFixed(2)} × (${n.etlSeconds.toFixed(1)} / ${n.directReadSecondsBefore.toFixed(1)}, ${n.directReadSecondsAfter.toFixed(1)})`).join('; ')} |`,
					`| ClickHouse plain copy into MergeTree rows/s (${copy.seconds.toFixed(1)} s) | ${Math.round(copyRowsPerSecond).toLocaleString('en-US')} |`,
					`| ETL ÷ plain copy | ${result.etlToCopyRatio.toFixed(2)} × |`,
					`| plain copy ÷ direct read (the last read, ${lastRead.seconds.toFixed(1)} s) | ${copyToDirectRatio.toFixed(2)} × |`,
					`| build (models + tests + publish), s | ${night.buildSeconds.toFixed(1)} |`,
					`| first night total, s | ${night.totalSeconds.toFixed(1)} |`,
					`| tick: rows read / quarantined | ${tickNight.rowsRead} / ${tickNight.rowsQuarantined} |`,
					`| tick pipeline total, s (ETL ${tickNight.etlSeconds.toFixed(1)} + build ${tickNight.buildSeconds.toFixed(1)}) | ${tickNight.totalSeconds.toFixed(1)} |`,
					'',
					`Figures written to ${file}`
				].join('\n') + '\n'
			);
		} finally {
			await warehouse.close().catch(() => {});
		}
	} finally {
		if (!values.keep) fs.rmSync(dataDir, { recursive: true, force: true });
	}
});

/** One first night between two bare reads. */
interface FirstNight {
	rows: number;
	etlSeconds: number;
	buildSeconds: number;
	totalSeconds: number;
	directReadSecondsBefore: number;
	directReadSecondsAfter: number;
	mergesWaitedSeconds: number;
	etlToDirectRatio: number;
}

/** Drops everything a night made (raw, marts, runs, watermarks), so the next night is a first night. */
async function emptyWarehouse(warehouse: Warehouse): Promise<void> {
	const databases = await warehouse.query<{ name: string }>(
		`SELECT name FROM system.databases
		 WHERE name NOT IN ('system', 'default', 'information_schema', 'INFORMATION_SCHEMA')`
	);
	for (const { name } of databases) {
		await warehouse.command(`DROP DATABASE ${quoteIdentifier(name)} SYNC`);
	}
}

/** ClickHouse reading every declared source table straight from the SQLite file: the ceiling. */
async function readDirectly(warehouse: Warehouse, file: string) {
	const started = performance.now();
	const tableRows = new Map<string, number>();
	for (const table of loadDeclarations()) {
		const [row] = await warehouse.query<{ n: string }>(
			'SELECT count() AS n, sum(cityHash64(*)) AS h FROM sqlite({file:String}, {table:String})',
			{ file, table: table.sourceTable }
		);
		tableRows.set(table.sourceTable, Number(row!.n));
	}
	const rows = [...tableRows.values()].reduce((a, b) => a + b, 0);
	return { rows, tableRows, seconds: (performance.now() - started) / 1000 };
}

/**
 * The engine copying every declared source table into a MergeTree table ordered by its key, and doing
 * nothing else: what reading and writing alone cost, without pseudonymising, validating or routing.
 * It writes as the ETL's direct load does (insert threads, blocks sized from the table's rows), which
 * made it 1.3 × as fast as the engine's defaults. The copies live in a scratch database, dropped
 * afterwards (not timed).
 */
async function copyDirectly(warehouse: Warehouse, file: string, tableRows: ReadonlyMap<string, number>) {
	await warehouse.command('CREATE DATABASE IF NOT EXISTS bench_copy');
	try {
		const started = performance.now();
		let rows = 0;
		for (const table of loadDeclarations()) {
			const target = `bench_copy.${quoteIdentifier(table.sourceTable)}`;
			await warehouse.command(
				`CREATE TABLE ${target} ENGINE = MergeTree ORDER BY ${quoteIdentifier(table.primaryKey)}
				 AS SELECT * FROM sqlite({file:String}, {table:String}) SETTINGS ${directLoadWriteSettings(tableRows.get(table.sourceTable)!)}`,
				{ file, table: table.sourceTable }
			);
			const [row] = await warehouse.query<{ n: string }>(`SELECT count() AS n FROM ${target}`);
			rows += Number(row!.n);
		}
		return { rows, seconds: (performance.now() - started) / 1000 };
	} finally {
		await warehouse.command('DROP DATABASE IF EXISTS bench_copy SYNC');
	}
}
