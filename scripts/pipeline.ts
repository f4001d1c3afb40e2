/**
 * npm run pipeline — runs tonight's pipeline now: ETL → build and test → publish → record.
 * The embedded warehouse has one owner: when the server is running it owns the data directory, and
 * this command says so (run the pipeline from the server then).
 */
import { getConfig } from '../src/lib/server/config';
import { runPipeline } from '../src/lib/server/pipeline/run-pipeline';
import { createWarehouse } from '../src/lib/server/warehouse';
import { runCli } from './cli';

await runCli(async () => {
	const config = getConfig();
	const warehouse = await createWarehouse(config.warehouse);
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
