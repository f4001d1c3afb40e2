/**
 * The nightly schedule inside the server process (croner): at the configured time in Qingdao's time
 * zone, run the pipeline; a run still going when the next is due is not doubled.
 */
import { Cron } from 'croner';
import { BUREAU_TIME_ZONE } from '../demo/calendar';

export interface Schedule {
	next(): Date | null;
	stop(): void;
}

/** Throws with one line when the expression is not a valid cron pattern. */
export function startSchedule(pattern: string, run: () => Promise<unknown>): Schedule | undefined {
	if (pattern === 'off') return undefined;
	let job: Cron;
	try {
		job = new Cron(pattern, { timezone: BUREAU_TIME_ZONE, protect: true, catch: true }, async () => {
			await run();
		});
	} catch (error) {
		throw new Error(
			`PIPELINE_SCHEDULE="${pattern}" is not a cron expression: ${(error as Error).message}. Example: 0 2 * * *`,
			{
				cause: error
			}
		);
	}
	return { next: () => job.nextRun(), stop: () => job.stop() };
}
