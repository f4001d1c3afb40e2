/**
 * npm run pipeline — runs tonight's pipeline now: ETL → build and test → publish → record.
 * The embedded warehouse has one owner process: when the server is running, this command asks the
 * server to run the pipeline (through DATA_DIR/server.json) and prints its progress.
 */
import { getConfig } from '../src/lib/server/config';
import { readControl } from '../src/lib/server/pipeline/control';
import { runPipeline } from '../src/lib/server/pipeline/run-pipeline';
import { createWarehouse, DataDirLockedError, type Warehouse } from '../src/lib/server/warehouse';
import { runCli } from './cli';

await runCli(async () => {
	const config = getConfig();
	let warehouse: Warehouse;
	try {
		warehouse = await createWarehouse(config.warehouse);
	} catch (error) {
		const owner = error instanceof DataDirLockedError ? error.owner.pid : undefined;
		const control = owner === undefined ? undefined : readControl(config.dataDir);
		if (!control || control.pid !== owner) throw error;
		process.stdout.write(`The server (PID ${control.pid}) owns the warehouse; running the pipeline there.\n`);
		process.exitCode = await runThroughServer(control.port, control.token);
		return;
	}
	try {
		const outcome = await runPipeline({
			warehouse,
			config,
			trigger: 'cli',
			log: (line) => process.stdout.write(`${line}\n`)
		});
		if (outcome.status === 'failed') process.exitCode = 1;
	} finally {
		await warehouse.close();
	}
});

/** Streams the server's progress lines; the exit code follows the run's status. */
async function runThroughServer(port: number, token: string): Promise<number> {
	const response = await fetch(`http://127.0.0.1:${port}/api/pipeline/run`, {
		method: 'POST',
		headers: { authorization: `Bearer ${token}` }
	}).catch((error: Error) => {
		throw new Error(`The server owns the warehouse but does not answer on port ${port}: ${error.message}`);
	});
	if (!response.ok || !response.body)
		throw new Error(`The server refused the run: ${response.status} ${await response.text()}`);
	let status = 'failed';
	const decoder = new TextDecoder();
	let pending = '';
	for await (const chunk of response.body) {
		pending += decoder.decode(chunk, { stream: true });
		const lines = pending.split('\n');
		pending = lines.pop()!;
		for (const line of lines) {
			if (line.startsWith('RESULT ')) status = (JSON.parse(line.slice(7)) as { status: string }).status;
			else process.stdout.write(`${line}\n`);
		}
	}
	if (status === 'busy') process.stderr.write('error: a pipeline run is already going on the server\n');
	return status === 'failed' || status === 'busy' ? 1 : 0;
}
