/**
 * npm run demo:tick -- [--target path-or-url] [--days 1]
 * Adds the next day(s) of activity to the demo operational systems.
 */
import { parseArgs } from 'node:util';
import { getConfig } from '../src/lib/server/config';
import { DemoOptionsError } from '../src/lib/server/demo/generate';
import { tickDemo } from '../src/lib/server/demo/tick';
import { runCli } from './cli';

const USAGE = 'usage: npm run demo:tick -- [--target file.sqlite|postgres://…|mysql://…] [--days 1]';

await runCli(async () => {
	let values;
	try {
		({ values } = parseArgs({
			options: { target: { type: 'string' }, days: { type: 'string', default: '1' } }
		}));
	} catch (error) {
		throw new DemoOptionsError(`${(error as Error).message}. ${USAGE}`);
	}
	const days = Number(values.days);
	if (!Number.isInteger(days) || days < 1 || days > 366) {
		throw new DemoOptionsError(`--days must be a whole number from 1 to 366, got "${values.days}". ${USAGE}`);
	}
	const target = values.target ?? getConfig().demoSourcePath;
	for (let i = 0; i < days; i++) {
		const summary = await tickDemo(target);
		const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
		process.stdout.write(
			`${summary.day}: inserted ${sum(summary.inserted)}, updated ${sum(summary.updated)}, soft-deleted ${sum(summary.softDeleted)}, bad rows ${summary.badRows.length} (${summary.badRows.map((b) => `${b.table}#${b.id} ${b.reason}`).join(', ')})\n`
		);
	}
});
