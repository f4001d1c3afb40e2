/**
 * Progress of long work: a bar on a terminal, one line per step elsewhere (CI logs, pipes), nothing
 * when quiet. Counts are rows; the total is an estimate that the bar adjusts as tables finish.
 */
import cliProgress from 'cli-progress';

export interface Progress {
	startStep(label: string, expected: number): void;
	advance(rows: number): void;
	endStep(actual: number): void;
	stop(): void;
}

export function createProgress(totalEstimate: number, mode: 'auto' | 'quiet' = 'auto'): Progress {
	if (mode === 'quiet') return { startStep() {}, advance() {}, endStep() {}, stop() {} };
	if (!process.stderr.isTTY) {
		let label = '';
		let started = 0;
		return {
			startStep(step) {
				label = step;
				started = performance.now();
			},
			advance() {},
			endStep(actual) {
				const seconds = (performance.now() - started) / 1000;
				process.stderr.write(
					`  ${label.padEnd(24)} ${actual.toLocaleString('en-US').padStart(12)} rows  ${seconds.toFixed(1)} s\n`
				);
			},
			stop() {}
		};
	}
	const bar = new cliProgress.SingleBar(
		{
			format: '  {bar} {percentage}% | {value}/{total} rows | {step} | ETA {eta_formatted}',
			stream: process.stderr,
			hideCursor: true,
			etaBuffer: 50
		},
		cliProgress.Presets.shades_classic
	);
	let total = totalEstimate;
	let done = 0;
	let stepStart = 0;
	let stepExpected = 0;
	bar.start(total, 0, { step: '' });
	return {
		startStep(step, expected) {
			stepStart = done;
			stepExpected = expected;
			bar.update(done, { step });
		},
		advance(rows) {
			done += rows;
			bar.update(done);
		},
		endStep(actual) {
			total += actual - stepExpected;
			done = stepStart + actual;
			bar.setTotal(total);
			bar.update(done);
		},
		stop() {
			bar.stop();
		}
	};
}
