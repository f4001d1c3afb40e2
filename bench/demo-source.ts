/** The demo operational database a benchmark starts from. */
import fs from 'node:fs';
import path from 'node:path';
import { generateDemo } from '../src/lib/server/demo/generate';

/**
 * Writes the demo systems to `target`: a copy of a database generated earlier with the same scale and
 * as-of (`from`), which the benchmark may change, never the original; or a new one (seed 1).
 */
export async function prepareDemoSource(options: {
	from?: string;
	scale: number;
	asOf: string;
	target: string;
}): Promise<void> {
	fs.mkdirSync(path.dirname(options.target), { recursive: true });
	if (options.from) {
		fs.copyFileSync(options.from, options.target);
		return;
	}
	await generateDemo({
		seed: 1,
		scale: options.scale,
		asOf: options.asOf,
		target: options.target,
		progress: 'quiet'
	});
}
