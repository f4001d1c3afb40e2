/**
 * `npm run demo:generate`: fills the bureau's five operational systems with a deterministic Qingdao
 * world (seed, scale, as-of date), invisible until complete and then swapped in at once.
 */
import { DateTime } from 'luxon';
import { loadAreas } from '../areas/areas';
import type { Areas } from '../areas/types';
import { parseSourceLocation } from '../sources/connection';
import { openBuildTarget } from './build-target';
import { DemoCalendar, parseIsoDate, SUPPORTED_YEARS, todayInBureau } from './calendar';
import { MAX_SCALE, MIN_SCALE } from './calibration';
import { createProgress } from './progress';
import { DEMO_META, type Table } from './schema';
import { assistanceJobs } from './systems/assistance';
import { charityJobs } from './systems/charity';
import { childrenJobs } from './systems/children';
import { communityJobs } from './systems/community';
import { elderlyJobs } from './systems/elderly';
import { createWorld, type TableJob, type World } from './world';

/** Bumped whenever the same seed would produce different data. */
export const GENERATOR_VERSION = '2';

export interface GenerateOptions {
	seed: number;
	scale: number;
	/** YYYY-MM-DD, Asia/Shanghai. */
	asOf: string;
	/** A SQLite file path, or a postgres:// or mysql:// URL. */
	target: string;
	progress?: 'auto' | 'quiet';
}

export interface GenerateSummary {
	target: string;
	asOf: string;
	rows: Record<string, number>;
	/** Per table: generating and writing its rows. */
	tableSeconds: Record<string, number>;
	/** Indexes, fsync and the swap at the end. */
	publishSeconds: number;
	seconds: number;
}

/** Thrown for options that cannot work; the message is one line saying what to change. */
export class DemoOptionsError extends Error {
	override name = 'DemoOptionsError';
}

export function validateGenerateOptions(options: GenerateOptions, now: DateTime = DateTime.now()): void {
	const { seed, scale, asOf } = options;
	if (!Number.isSafeInteger(seed)) throw new DemoOptionsError(`--seed must be a whole number, got "${seed}"`);
	if (!Number.isFinite(scale) || scale < MIN_SCALE || scale > MAX_SCALE) {
		throw new DemoOptionsError(
			`--scale must be between ${MIN_SCALE} and ${MAX_SCALE} (1 = Qingdao's real size), got "${scale}"`
		);
	}
	const date = parseIsoDate(asOf);
	if (!date) throw new DemoOptionsError(`--as-of must be a date like 2026-06-30, got "${asOf}"`);
	const today = todayInBureau(now);
	if (asOf > today) {
		throw new DemoOptionsError(
			`--as-of ${asOf} is in the future (today in Qingdao is ${today}); pick a past date`
		);
	}
	if (date.year - 1 < SUPPORTED_YEARS.first || date.year > SUPPORTED_YEARS.last) {
		throw new DemoOptionsError(
			`--as-of must fall between ${SUPPORTED_YEARS.first + 1} and ${SUPPORTED_YEARS.last}, got "${asOf}"`
		);
	}
}

/** Every table of every system, in the order they must be generated (later ones use earlier state). */
export function planTables(world: World): TableJob[] {
	return [
		...assistanceJobs(world),
		...childrenJobs(world),
		...elderlyJobs(world),
		...communityJobs(world),
		...charityJobs(world)
	];
}

/** Rows handed to the database at once: big enough to amortise round trips, small enough to stay flat. */
export const WRITE_BATCH_ROWS = 20_000;

export async function generateDemo(
	options: GenerateOptions,
	areas: Areas = loadAreas()
): Promise<GenerateSummary> {
	validateGenerateOptions(options);
	const started = performance.now();
	const location = parseSourceLocation(options.target);
	const world = createWorld(options.seed, options.scale, new DemoCalendar(options.asOf), areas);
	const jobs = planTables(world);
	const tables: Table[] = [...jobs.map((j) => j.table), DEMO_META];
	const progress = createProgress(
		jobs.reduce((sum, job) => sum + job.expectedRows, 0),
		options.progress ?? 'auto'
	);
	const target = await openBuildTarget(location);
	const rows: Record<string, number> = {};
	const tableSeconds: Record<string, number> = {};
	let publishSeconds = 0;
	try {
		for (const table of tables) await target.createTable(table);
		for (const job of jobs) {
			const tableStarted = performance.now();
			progress.startStep(job.table.name, job.expectedRows);
			let batch: unknown[][] = [];
			let count = 0;
			for (const row of job.rows()) {
				batch.push(row);
				if (batch.length === WRITE_BATCH_ROWS) {
					await target.insertRows(job.table, batch);
					progress.advance(batch.length);
					count += batch.length;
					batch = [];
				}
			}
			if (batch.length > 0) await target.insertRows(job.table, batch);
			count += batch.length;
			progress.advance(batch.length);
			progress.endStep(count);
			rows[job.table.name] = count;
			tableSeconds[job.table.name] = (performance.now() - tableStarted) / 1000;
		}
		await target.insertRows(DEMO_META, [
			['seed', String(options.seed)],
			['scale', String(options.scale)],
			['as_of', options.asOf],
			['generator_version', GENERATOR_VERSION]
		]);
		progress.stop();
		const publishStarted = performance.now();
		await target.publish(tables);
		publishSeconds = (performance.now() - publishStarted) / 1000;
	} catch (error) {
		progress.stop();
		await target.discard().catch(() => {});
		throw error;
	}
	return {
		target: location.display,
		asOf: options.asOf,
		rows,
		tableSeconds,
		publishSeconds,
		seconds: (performance.now() - started) / 1000
	};
}
