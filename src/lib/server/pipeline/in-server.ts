/**
 * The pipeline as the server runs it: on the schedule, or when asked through the API (which is how
 * `npm run pipeline` reaches a running server). The server owns the embedded warehouse, so every run
 * goes through its one client.
 */
import { getConfig } from '../config';
import { getWarehouse } from '../warehouse';
import { writeControl, type ServerControl } from './control';
import { runPipeline, type PipelineOutcome } from './run-pipeline';
import { startSchedule, type Schedule } from './scheduler';

let control: ServerControl | undefined;
let schedule: Schedule | undefined;

/** Called once when the server starts. */
export function startPipelineService(log: (line: string) => void = console.log): void {
	const config = getConfig();
	control = writeControl(config.dataDir, config.port);
	schedule = startSchedule(config.pipelineSchedule, () => runServerPipeline('schedule', log));
	const next = schedule?.next();
	log(
		next ? `Nightly pipeline scheduled; next run ${next.toISOString()}` : 'Nightly pipeline schedule is off'
	);
}

export function serverControl(): ServerControl | undefined {
	return control;
}

export async function runServerPipeline(
	trigger: 'schedule' | 'manual' | 'cli',
	log: (line: string) => void
): Promise<PipelineOutcome> {
	return runPipeline({ warehouse: await getWarehouse(), config: getConfig(), trigger, log });
}

export function stopPipelineService(): void {
	schedule?.stop();
}
