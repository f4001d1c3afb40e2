/**
 * One night: ETL → build with tests into shadow marts → publish (only if every error-severity test
 * passed) → record the run. A failed night leaves yesterday's marts in place and says why. Never two
 * at once in a process; across processes the embedded warehouse's owner lock already guarantees it.
 */
import { DateTime } from 'luxon';
import { loadAreas } from '../areas/areas';
import type { Config } from '../config';
import { BUREAU_TIME_ZONE } from '../demo/calendar';
import { DEFAULT_TRANSFORMS_DIR, loadDeclarations } from '../etl/declarations';
import { createPseudonymiser, loadOrCreateKey } from '../etl/pseudonymise';
import { latestLoadTime } from '../etl/raw-tables';
import { runEtl } from '../etl/run-etl';
import { createClickHouseAdapter } from '../transform/adapters/clickhouse';
import { projectFingerprint } from '../transform/project';
import { runTransform } from '../transform/runner';
import type { Warehouse } from '../warehouse';
import {
	ensureRunTables,
	loadedThroughOfLastPublish,
	recordLoads,
	recordNodes,
	recordRun,
	type RunRecord
} from './run-log';

export interface PipelineOptions {
	warehouse: Warehouse;
	config: Config;
	trigger: RunRecord['trigger'];
	transformsDir?: string;
	log?: (line: string) => void;
	/** Overrides "now" (tests). */
	now?: DateTime;
}

export type PipelineOutcome = RunRecord;

/** Thrown when a run is asked for while one is going. */
export class PipelineBusyError extends Error {
	override name = 'PipelineBusyError';
}

let running: string | undefined;

export async function runPipeline(options: PipelineOptions): Promise<PipelineOutcome> {
	if (running)
		throw new PipelineBusyError(`A pipeline run (${running}) is already going; wait for it to finish.`);
	const now = options.now ?? DateTime.now();
	const runId = `run-${now.toUTC().toFormat("yyyyLLdd'T'HHmmss")}-${Math.random().toString(36).slice(2, 6)}`;
	running = runId;
	const log = options.log ?? (() => {});
	const { warehouse, config } = options;
	const run: RunRecord = {
		runId,
		startedAt: now.toUTC().toISO()!,
		trigger: options.trigger,
		status: 'running',
		message: '',
		rowsRead: 0,
		rowsLoaded: 0,
		rowsQuarantined: 0,
		etlSeconds: 0,
		buildSeconds: 0
	};
	try {
		await ensureRunTables(warehouse);
		await recordRun(warehouse, run);
		log(`Pipeline ${runId}: extracting from the operational systems`);
		const transformsDir = options.transformsDir ?? DEFAULT_TRANSFORMS_DIR;
		const etlStarted = performance.now();
		const key = loadOrCreateKey(config.pseudonymKeyFile);
		const declarations = loadDeclarations(transformsDir);
		const etl = await runEtl({
			warehouse,
			declarations,
			connections: config.sources,
			pseudonymiser: createPseudonymiser(key),
			key,
			areas: loadAreas(),
			runId,
			today: now.setZone(BUREAU_TIME_ZONE).toISODate()!,
			log
		});
		run.etlSeconds = (performance.now() - etlStarted) / 1000;
		run.rowsRead = sum(etl.tables.map((t) => t.read));
		run.rowsLoaded = sum(etl.tables.map((t) => t.loaded));
		run.rowsQuarantined = sum(etl.tables.map((t) => t.quarantined));
		await recordLoads(warehouse, runId, etl.tables);
		const failedSources = etl.tables.filter((t) => t.error).map((t) => `${t.source}: ${t.error}`);
		if (etl.status === 'failed') {
			return await finish(
				run,
				'failed',
				`No system could be loaded; yesterday's numbers stay. ${failedSources[0] ?? ''}`
			);
		}

		log(`Pipeline ${runId}: building and testing the models`);
		const buildStarted = performance.now();
		// Tonight's changes are the raw rows loaded after what the live marts have seen: incremental
		// marts recompute only what they touch, and the big tables' row tests check only them. Changed
		// transforms make every row new.
		run.projectFingerprint = projectFingerprint(transformsDir);
		const loadedAfter = await loadedThroughOfLastPublish(warehouse, run.projectFingerprint);
		if (loadedAfter === undefined) {
			log(`Pipeline ${runId}: every row is tested and every month built tonight`);
		}
		run.loadedThrough = await latestLoadTime(warehouse, declarations);
		const build = await runTransform(createClickHouseAdapter(warehouse), {
			projectDir: transformsDir,
			verb: 'build',
			publish: true,
			vars: loadedAfter === undefined ? {} : { loaded_after: loadedAfter },
			log
		});
		run.buildSeconds = (performance.now() - buildStarted) / 1000;
		await recordNodes(warehouse, runId, build.results);
		if (build.dataVersion === undefined) {
			const failed = build.results
				.filter((r) => r.status === 'error' || r.status === 'fail')
				.map((r) => `${r.uniqueId.split('.').slice(2).join('.')}: ${r.message}`);
			return await finish(
				run,
				'failed',
				`Not published: ${failed.length} model(s) or test(s) failed; yesterday's numbers stay. ${failed.slice(0, 3).join(' | ')}`
			);
		}
		run.dataVersion = build.dataVersion;
		if (etl.status === 'partial') {
			return await finish(
				run,
				'partial',
				`Published data version ${build.dataVersion}, but ${failedSources.length} table(s) could not be loaded: ${failedSources.slice(0, 3).join(' | ')}`
			);
		}
		return await finish(run, 'success', `Published data version ${build.dataVersion}.`);
	} catch (error) {
		return await finish(run, 'failed', `The run stopped: ${(error as Error).message.split('\n')[0]}`);
	} finally {
		running = undefined;
	}

	async function finish(
		record: RunRecord,
		status: RunRecord['status'],
		message: string
	): Promise<PipelineOutcome> {
		record.status = status;
		record.message = message;
		record.finishedAt = DateTime.now().toUTC().toISO()!;
		log(`Pipeline ${record.runId}: ${status}. ${message}`);
		await recordRun(warehouse, record).catch((error) =>
			log(`could not record the run: ${(error as Error).message}`)
		);
		return record;
	}
}

function sum(values: number[]): number {
	return values.reduce((a, b) => a + b, 0);
}
