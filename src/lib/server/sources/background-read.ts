/**
 * One read-only query on a SQLite file, run in a worker thread at the lowest CPU priority: it takes
 * only the cycles the engine's threads leave idle. Beside the engine's load of the 16M meal orders,
 * SQLite's scan for misread rows made the load 0.57 s shorter on average this way than on the Node
 * thread (seven alternated pairs, bench/README.md).
 *
 * Linux gives each thread its own nice value, so lowering the worker's leaves the rest of the server
 * as it was (and the worker ends with the query). Elsewhere it would lower the whole process, so
 * there the worker keeps the normal priority.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Runs in the worker: CommonJS, since an inline worker cannot import. Errors are sent as their message:
 * an error the worker throws arrives without it.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const os = require('node:os');
if (workerData.lowPriority) os.setPriority(0, os.constants.priority.PRIORITY_LOW);
const Database = require(workerData.driver);
let db;
try {
	db = new Database(workerData.file, { readonly: true, fileMustExist: true });
	parentPort.postMessage({ rows: db.prepare(workerData.sql).all(...workerData.bindings) });
} catch (error) {
	parentPort.postMessage({ error: String((error && error.message) || error) });
} finally {
	if (db) db.close();
}`;

/** better-sqlite3 as this module finds it: the worker's own lookup would start from the working directory. */
const driver = createRequire(import.meta.url).resolve('better-sqlite3');

export function readSqliteInBackground(
	file: string,
	sql: string,
	bindings: readonly unknown[]
): Promise<Record<string, unknown>[]> {
	return new Promise((resolve, reject) => {
		const worker = new Worker(WORKER_SOURCE, {
			eval: true,
			workerData: { driver, file, sql, bindings, lowPriority: process.platform === 'linux' }
		});
		let answer: { rows?: Record<string, unknown>[]; error?: string } | undefined;
		worker.once('message', (message: typeof answer) => (answer = message));
		worker.once('error', reject);
		worker.once('exit', (code) => {
			if (answer?.rows) resolve(answer.rows.map(asSqliteRow));
			else if (answer?.error !== undefined) reject(new Error(answer.error));
			else reject(new Error(`the SQLite query's worker stopped (exit code ${code}) without an answer`));
		});
	});
}

/** Blobs cross from the worker as plain Uint8Arrays; better-sqlite3 gives Buffers. */
function asSqliteRow(row: Record<string, unknown>): Record<string, unknown> {
	for (const [name, value] of Object.entries(row)) {
		if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
			row[name] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
		}
	}
	return row;
}
