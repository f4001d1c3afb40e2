/**
 * npm run bench:tick -- [--scale 1] [--as-of 2026-11-27] [--from generated.sqlite] [--runs 3] [--out-dir bench/out]
 *
 * The nightly tick alone, repeated: one first night, then for each run a fresh copy of that night's
 * data directory (warehouse and source), one demo tick written into the copy, and the tick's whole
 * pipeline, timed. Every run does the same work from the same state, so their spread is the
 * machine's noise; the slowest nodes of the median run say where a tick's time goes.
 * --from copies a demo database generated earlier (with the same scale and as-of) instead of
 * generating one.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../src/lib/server/config';
import { tickDemo } from '../src/lib/server/demo/tick';
import { runPipeline } from '../src/lib/server/pipeline/run-pipeline';
import { createWarehouse } from '../src/lib/server/warehouse';
import { runCli } from '../scripts/cli';
import { prepareDemoSource } from './demo-source';
import { waitForMerges } from './merges';
import { describeMachine } from './machine';

interface TickRun {
	totalSeconds: number;
	etlSeconds: number;
	buildSeconds: number;
	/** The build's nodes, slowest first. */
	nodes: { node: string; seconds: number }[];
}

await runCli(async () => {
	const { values } = parseArgs({
		options: {
			scale: { type: 'string', default: '1' },
			'as-of': { type: 'string', default: '2026-11-27' },
			from: { type: 'string' },
			runs: { type: 'string', default: '3' },
			'out-dir': { type: 'string', default: 'bench/out' }
		}
	});
	const scale = Number(values.scale);
	const runs = Number(values.runs);
	if (!Number.isInteger(runs) || runs < 1)
		throw new Error(`--runs must be a whole number ≥ 1, got "${values.runs}"`);
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-tick-'));
	const say = (line: string) => process.stderr.write(`${line}\n`);
	try {
		const first = loadConfig({ DATA_DIR: path.join(root, 'first'), PIPELINE_SCHEDULE: 'off' });
		say(`Tick benchmark: scale ${scale}, as of ${values['as-of']}, ${runs} runs, in ${root}`);
		await prepareDemoSource({
			from: values.from,
			scale,
			asOf: values['as-of']!,
			target: first.demoSourcePath
		});
		const warehouse = await createWarehouse(first.warehouse);
		try {
			const night = await runPipeline({ warehouse, config: first, trigger: 'manual' });
			if (night.status !== 'success') throw new Error(`the first night did not succeed: ${night.message}`);
			const merges = await waitForMerges(warehouse);
			say(
				`  first night: ETL ${night.etlSeconds.toFixed(1)} s, build ${night.buildSeconds.toFixed(1)} s, then ${merges.toFixed(1)} s of merges`
			);
		} finally {
			await warehouse.close();
		}

		const results: TickRun[] = [];
		for (let i = 1; i <= runs; i++) {
			const copy = loadConfig({ DATA_DIR: path.join(root, `tick-${i}`), PIPELINE_SCHEDULE: 'off' });
			fs.cpSync(first.dataDir, copy.dataDir, { recursive: true });
			// The copy's 3.6 GB (at scale 1) go to disk now, not in the middle of the timed night.
			execFileSync('sync');
			results.push(await timeTick(copy));
			fs.rmSync(copy.dataDir, { recursive: true, force: true });
			const run = results.at(-1)!;
			say(
				`  tick ${i}: ${run.totalSeconds.toFixed(1)} s (ETL ${run.etlSeconds.toFixed(1)} + build ${run.buildSeconds.toFixed(1)})`
			);
		}

		const byTotal = [...results].sort((a, b) => a.totalSeconds - b.totalSeconds);
		const median = byTotal[Math.floor((byTotal.length - 1) / 2)]!;
		const result = {
			date: new Date().toISOString(),
			machine: describeMachine(),
			scale,
			asOf: values['as-of'],
			runs: results.map(({ nodes: _nodes, ...run }) => run),
			median: { ...median, nodes: median.nodes.slice(0, 15) }
		};
		fs.mkdirSync(values['out-dir']!, { recursive: true });
		const file = path.join(
			values['out-dir']!,
			`tick-${result.date.slice(0, 16).replace(/:/g, '')}-scale-${scale}.json`
		);
		fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
		const seconds = (values: number[]) => values.map((v) => v.toFixed(1)).join(' / ');
		const tests = median.nodes.filter((n) => n.node.startsWith('test.'));
		const models = median.nodes.filter((n) => !n.node.startsWith('test.'));
		const sum = (nodes: { seconds: number }[]) => nodes.reduce((total, n) => total + n.seconds, 0);
		process.stdout.write(
			[
				`| figure | value |`,
				`| --- | ---: |`,
				`| tick pipeline total, s (each run) | ${seconds(results.map((r) => r.totalSeconds))} |`,
				`| median total, s (ETL + build) | ${median.totalSeconds.toFixed(1)} (${median.etlSeconds.toFixed(1)} + ${median.buildSeconds.toFixed(1)}) |`,
				`| median run: ${models.length} models and seeds, s | ${sum(models).toFixed(1)} |`,
				`| median run: ${tests.length} tests, s | ${sum(tests).toFixed(1)} |`,
				'',
				'Slowest nodes of the median run:',
				'',
				...median.nodes.slice(0, 10).map((n) => `- ${n.seconds.toFixed(2)} s ${n.node}`),
				'',
				`Figures written to ${file}`
			].join('\n') + '\n'
		);
	} finally {
		fs.rmSync(root, { recursive: true, force: true });
	}
});

/** One demo tick written into the copy's source, then its night, on a warehouse opened afresh. */
async function timeTick(config: Config): Promise<TickRun> {
	await tickDemo(config.demoSourcePath);
	const warehouse = await createWarehouse(config.warehouse);
	try {
		const started = performance.now();
		const night = await runPipeline({ warehouse, config, trigger: 'manual' });
		const totalSeconds = (performance.now() - started) / 1000;
		if (night.status !== 'success') throw new Error(`the tick's night did not succeed: ${night.message}`);
		const nodes = await warehouse.query<{ node: string; seconds: number }>(
			`SELECT unique_id AS node, seconds FROM meta.node_runs WHERE run_id = {run:String} ORDER BY seconds DESC`,
			{ run: night.runId }
		);
		return { totalSeconds, etlSeconds: night.etlSeconds, buildSeconds: night.buildSeconds, nodes };
	} finally {
		await warehouse.close();
	}
}
