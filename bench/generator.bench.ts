/**
 * npm run bench:generator -- [--scale 1] [--seed 1] [--as-of 2026-11-27] [--out-dir bench/out]
 *                            [--writer-rows 2000000] [--keep]
 *
 * How fast the demo generator fills its SQLite database, and how close it gets to the write ceiling.
 * The ceiling is the same SQLite writer fed meal_orders rows that already exist, timed in the same
 * run: a noisy shared machine slows both sides alike, so their ratio compares between runs and
 * machines better than rows/s alone. See bench/README.md for what each figure means.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { openBuildTarget } from '../src/lib/server/demo/build-target';
import {
	DemoOptionsError,
	generateDemo,
	GENERATOR_VERSION,
	validateGenerateOptions,
	WRITE_BATCH_ROWS,
	type GenerateOptions
} from '../src/lib/server/demo/generate';
import { getTable } from '../src/lib/server/demo/schema';
import { parseSourceLocation } from '../src/lib/server/sources/connection';
import { runCli } from '../scripts/cli';
import { describeMachine } from './machine';

const USAGE =
	'usage: npm run bench:generator -- [--scale 1] [--seed 1] [--as-of 2026-11-27] [--out-dir bench/out] [--writer-rows 2000000] [--keep]';

/** The table the ceiling is measured on: most of every run's rows and time. */
const CEILING_TABLE = 'meal_orders';
const MB = 1_000_000;

interface TableTiming {
	table: string;
	rows: number;
	seconds: number;
	rowsPerSecond: number;
}

interface GeneratorRun {
	rows: number;
	seconds: number;
	tables: TableTiming[];
	/** Planning and creating the tables: the part of the run that belongs to no table or the publish. */
	createSeconds: number;
	publishSeconds: number;
}

interface WriterCeiling {
	rows: number;
	readSeconds: number;
	writeSeconds: number;
	rowsPerSecond: number;
}

await runCli(async () => {
	const options = readOptions();
	fs.mkdirSync(options.outDir, { recursive: true });
	const database = path.join(options.outDir, `generator-scale-${options.scale}.sqlite`);
	const machine = describeMachine();
	process.stderr.write(
		`Generator benchmark: scale ${options.scale}, seed ${options.seed}, as of ${options.asOf}, into ${database}\n`
	);

	const generator = await generateTimed(options, database);
	// maxRSS is the peak of the whole process: read it before the ceiling loads rows into memory.
	const peakRssMb = (process.resourceUsage().maxRSS * 1024) / MB;
	const fileSizeMb = fs.statSync(database).size / MB;
	process.stderr.write(
		`Generated ${generator.rows.toLocaleString('en-US')} rows in ${generator.seconds.toFixed(1)} s\n`
	);

	let ceiling: WriterCeiling;
	try {
		ceiling = await measureWriterCeiling(database, options.writerRows);
	} finally {
		// A 3 GB file nobody asked to keep must not outlive a failed run either.
		if (!options.keep) fs.rmSync(database, { force: true });
	}

	const generated = generator.tables.find((t) => t.table === CEILING_TABLE)!;
	const result = {
		benchmark: 'generator',
		date: new Date().toISOString(),
		machine,
		options: {
			scale: options.scale,
			seed: options.seed,
			asOf: options.asOf,
			generatorVersion: GENERATOR_VERSION
		},
		generator: { ...generator, rowsPerSecond: generator.rows / generator.seconds, peakRssMb, fileSizeMb },
		writerCeiling: { table: CEILING_TABLE, batchRows: WRITE_BATCH_ROWS, ...ceiling },
		// Both per row of meal_orders: what generating costs on top of writing, and how much of the
		// ceiling survives it.
		generationEfficiency: generated.rowsPerSecond / ceiling.rowsPerSecond,
		overheadMicrosecondsPerRow: (1 / generated.rowsPerSecond - 1 / ceiling.rowsPerSecond) * 1e6
	};

	const stamp = result.date.slice(0, 16).replace(/:/g, '');
	const json = path.join(options.outDir, `generator-${stamp}-scale-${options.scale}.json`);
	fs.writeFileSync(json, `${JSON.stringify(result, null, '\t')}\n`);
	process.stdout.write(`${formatMarkdown(result)}\nFigures written to ${json}\n`);
});

function readOptions() {
	let values;
	try {
		({ values } = parseArgs({
			options: {
				scale: { type: 'string', default: '1' },
				seed: { type: 'string', default: '1' },
				// A fixed day, so today's figures and next month's describe the same data.
				'as-of': { type: 'string', default: '2026-11-27' },
				'out-dir': { type: 'string', default: 'bench/out' },
				'writer-rows': { type: 'string', default: '2000000' },
				keep: { type: 'boolean', default: false }
			}
		}));
	} catch (error) {
		throw new DemoOptionsError(`${(error as Error).message}. ${USAGE}`);
	}
	const options = {
		scale: Number(values.scale),
		seed: Number(values.seed),
		asOf: values['as-of'],
		outDir: path.resolve(values['out-dir']),
		writerRows: Number(values['writer-rows']),
		keep: values.keep
	};
	validateGenerateOptions({ ...options, target: '' });
	if (!Number.isSafeInteger(options.writerRows) || options.writerRows < WRITE_BATCH_ROWS) {
		throw new DemoOptionsError(`--writer-rows must be a whole number of at least ${WRITE_BATCH_ROWS}`);
	}
	return options;
}

/** One generation through generateDemo itself, with its per-table timings. */
async function generateTimed(
	options: Omit<GenerateOptions, 'target'>,
	databasePath: string
): Promise<GeneratorRun> {
	const summary = await generateDemo({ ...options, target: databasePath, progress: 'quiet' });
	const tables = Object.entries(summary.rows).map(([table, rows]) => {
		const seconds = summary.tableSeconds[table]!;
		return { table, rows, seconds, rowsPerSecond: rows / seconds };
	});
	const tableTotal = tables.reduce((sum, t) => sum + t.seconds, 0);
	return {
		rows: tables.reduce((sum, t) => sum + t.rows, 0),
		seconds: summary.seconds,
		tables,
		createSeconds: summary.seconds - tableTotal - summary.publishSeconds,
		publishSeconds: summary.publishSeconds
	};
}

/**
 * The SQLite writer alone: the first rows of the generated table, read back into memory, inserted
 * into a fresh build in the generator's batches, then thrown away.
 */
async function measureWriterCeiling(databasePath: string, limit: number): Promise<WriterCeiling> {
	const table = getTable(CEILING_TABLE);
	const readStarted = performance.now();
	const source = new Database(databasePath, { readonly: true });
	// Decimals are stored as REAL but generated as '12.50' strings: hand the writer what the generator does.
	const columns = table.columns.map((c) =>
		c.type === 'decimal'
			? `CASE WHEN "${c.name}" IS NULL THEN NULL ELSE printf('%.2f', "${c.name}") END`
			: `"${c.name}"`
	);
	const rows = source
		.prepare(`SELECT ${columns.join(', ')} FROM "${table.name}" ORDER BY id LIMIT ?`)
		.raw()
		.all(limit) as unknown[][];
	source.close();
	const readSeconds = (performance.now() - readStarted) / 1000;

	const scratch = await openBuildTarget(
		parseSourceLocation(path.join(path.dirname(databasePath), 'writer-ceiling.sqlite'))
	);
	try {
		await scratch.createTable(table);
		const started = performance.now();
		for (let i = 0; i < rows.length; i += WRITE_BATCH_ROWS) {
			await scratch.insertRows(table, rows.slice(i, i + WRITE_BATCH_ROWS));
		}
		const writeSeconds = (performance.now() - started) / 1000;
		return { rows: rows.length, readSeconds, writeSeconds, rowsPerSecond: rows.length / writeSeconds };
	} finally {
		await scratch.discard();
	}
}

function formatMarkdown(result: {
	date: string;
	machine: ReturnType<typeof describeMachine>;
	options: { scale: number; seed: number; asOf: string };
	generator: GeneratorRun & { rowsPerSecond: number; peakRssMb: number; fileSizeMb: number };
	writerCeiling: WriterCeiling;
	generationEfficiency: number;
	overheadMicrosecondsPerRow: number;
}): string {
	const { machine, options, generator: g, writerCeiling: w } = result;
	const int = (n: number) => Math.round(n).toLocaleString('en-US');
	const lines = [
		`## Generator benchmark — ${result.date.slice(0, 10)}, scale ${options.scale}, seed ${options.seed}, as of ${options.asOf}`,
		'',
		`${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, ${machine.os}, Node ${machine.node}`,
		'',
		'| figure | value |',
		'| --- | ---: |',
		`| rows | ${int(g.rows)} |`,
		`| seconds | ${g.seconds.toFixed(1)} |`,
		`| rows/s overall | ${int(g.rowsPerSecond)} |`,
		`| creating the tables, s | ${g.createSeconds.toFixed(1)} |`,
		`| indexes and publish, s | ${g.publishSeconds.toFixed(1)} |`,
		`| peak memory (maxRSS), MB | ${int(g.peakRssMb)} |`,
		`| file size, MB | ${int(g.fileSizeMb)} |`,
		`| writer-only ${CEILING_TABLE} rows/s (${int(w.rows)} rows) | ${int(w.rowsPerSecond)} |`,
		`| generation efficiency (${CEILING_TABLE}) | ${(result.generationEfficiency * 100).toFixed(0)} % |`,
		`| generator overhead per ${CEILING_TABLE} row, µs | ${result.overheadMicrosecondsPerRow.toFixed(2)} |`,
		'',
		'| table | rows | seconds | rows/s |',
		'| --- | ---: | ---: | ---: |',
		...g.tables.map(
			(t) => `| ${t.table} | ${int(t.rows)} | ${t.seconds.toFixed(1)} | ${int(t.rowsPerSecond)} |`
		)
	];
	return `${lines.join('\n')}\n`;
}
