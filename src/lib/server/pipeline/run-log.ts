/** The pipeline's record in the warehouse's meta database: runs, per-table loads, per-node results. */
import type { Warehouse } from '../warehouse';
import type { TableLoad } from '../etl/run-etl';
import type { NodeResult } from '../transform/artifacts';

export async function ensureRunTables(warehouse: Warehouse): Promise<void> {
	const on = warehouse.onCluster;
	await warehouse.command(`CREATE DATABASE IF NOT EXISTS meta${on}`);
	await warehouse.command(`CREATE TABLE IF NOT EXISTS meta.pipeline_runs${on} (
  run_id String,
  started_at DateTime64(3, 'UTC'),
  finished_at Nullable(DateTime64(3, 'UTC')),
  trigger LowCardinality(String),
  status LowCardinality(String),
  data_version Nullable(UInt64),
  message String,
  rows_read UInt64,
  rows_loaded UInt64,
  rows_quarantined UInt64,
  etl_seconds Float64,
  build_seconds Float64,
  loaded_through Nullable(DateTime64(3, 'UTC')),
  project_fingerprint String
) ENGINE = ReplacingMergeTree(started_at) ORDER BY run_id`);
	// Warehouses created before the columns existed.
	await warehouse.command(
		`ALTER TABLE meta.pipeline_runs${on} ADD COLUMN IF NOT EXISTS loaded_through Nullable(DateTime64(3, 'UTC'))`
	);
	await warehouse.command(
		`ALTER TABLE meta.pipeline_runs${on} ADD COLUMN IF NOT EXISTS project_fingerprint String`
	);
	await warehouse.command(`CREATE TABLE IF NOT EXISTS meta.etl_loads${on} (
  run_id String,
  source String,
  rows_read UInt64,
  rows_loaded UInt64,
  rows_quarantined UInt64,
  seconds Float64,
  error String
) ENGINE = MergeTree ORDER BY (run_id, source)`);
	await warehouse.command(`CREATE TABLE IF NOT EXISTS meta.node_runs${on} (
  run_id String,
  unique_id String,
  status LowCardinality(String),
  rows Nullable(UInt64),
  failures Nullable(UInt64),
  seconds Float64,
  message String
) ENGINE = MergeTree ORDER BY (run_id, unique_id)`);
}

export interface RunRecord {
	runId: string;
	startedAt: string;
	finishedAt?: string;
	trigger: 'schedule' | 'manual' | 'cli';
	status: 'running' | 'success' | 'partial' | 'failed';
	dataVersion?: number;
	message: string;
	rowsRead: number;
	rowsLoaded: number;
	rowsQuarantined: number;
	etlSeconds: number;
	buildSeconds: number;
	/** The latest raw load time the run's build saw: the next night's changes are the rows loaded after it. */
	loadedThrough?: string;
	/** projectFingerprint of the transforms the run built. */
	projectFingerprint?: string;
}

/** Writes the run's current state; the latest write of a run id wins. */
export async function recordRun(warehouse: Warehouse, run: RunRecord): Promise<void> {
	await warehouse.insert('meta.pipeline_runs', [
		{
			run_id: run.runId,
			started_at: run.startedAt,
			// The version column of the ReplacingMergeTree is started_at, equal for both writes of a run;
			// among equal versions the last inserted row wins, which is the final state.
			finished_at: run.finishedAt ?? null,
			trigger: run.trigger,
			status: run.status,
			data_version: run.dataVersion ?? null,
			message: run.message,
			rows_read: run.rowsRead,
			rows_loaded: run.rowsLoaded,
			rows_quarantined: run.rowsQuarantined,
			etl_seconds: run.etlSeconds,
			build_seconds: run.buildSeconds,
			loaded_through: run.loadedThrough ?? null,
			project_fingerprint: run.projectFingerprint ?? ''
		}
	]);
}

export async function recordLoads(warehouse: Warehouse, runId: string, loads: TableLoad[]): Promise<void> {
	if (loads.length === 0) return;
	await warehouse.insert(
		'meta.etl_loads',
		loads.map((l) => ({
			run_id: runId,
			source: l.source,
			rows_read: l.read,
			rows_loaded: l.loaded,
			rows_quarantined: l.quarantined,
			seconds: l.seconds,
			error: l.error ?? ''
		}))
	);
}

export async function recordNodes(warehouse: Warehouse, runId: string, results: NodeResult[]): Promise<void> {
	if (results.length === 0) return;
	await warehouse.insert(
		'meta.node_runs',
		results.map((r) => ({
			run_id: runId,
			unique_id: r.uniqueId,
			status: r.status,
			rows: r.rowsAffected ?? null,
			failures: r.failures ?? null,
			seconds: r.executionTime,
			message: r.message
		}))
	);
}

/**
 * What the live marts have seen: loaded_through of the latest run that published, when it built the
 * same transforms. Undefined on a first night, and after the models, tests or seeds changed: a new
 * test must see every row, and a changed model must rebuild every month, so the build treats every
 * row as new.
 */
export async function loadedThroughOfLastPublish(
	warehouse: Warehouse,
	projectFingerprint: string
): Promise<string | undefined> {
	const [row] = await warehouse.query<{ t: string | null; fingerprint: string }>(
		`SELECT toString(loaded_through) AS t, project_fingerprint AS fingerprint FROM meta.pipeline_runs FINAL
		 WHERE data_version IS NOT NULL
		 ORDER BY data_version DESC LIMIT 1`
	);
	return row && row.t !== null && row.fingerprint === projectFingerprint ? row.t : undefined;
}

/** The newest runs, newest first. */
export async function listRuns(warehouse: Warehouse, limit = 20) {
	return warehouse.query<Record<string, unknown>>(
		`SELECT * FROM meta.pipeline_runs FINAL ORDER BY started_at DESC LIMIT {limit:UInt32}`,
		{ limit }
	);
}
