/**
 * npm run demo:generate -- [--scale 1] [--seed 1] [--as-of YYYY-MM-DD] [--target path-or-url] [--quiet]
 */
import { parseArgs } from 'node:util';
import { getConfig } from '../src/lib/server/config';
import { defaultAsOf } from '../src/lib/server/demo/calendar';
import { DemoOptionsError, generateDemo } from '../src/lib/server/demo/generate';
import { runCli } from './cli';

const USAGE =
	'usage: npm run demo:generate -- [--scale 1] [--seed 1] [--as-of YYYY-MM-DD] [--target file.sqlite|postgres://…|mysql://…] [--quiet]';

await runCli(async () => {
	let values;
	try {
		({ values } = parseArgs({
			options: {
				scale: { type: 'string', default: '1' },
				seed: { type: 'string', default: '1' },
				'as-of': { type: 'string' },
				target: { type: 'string' },
				quiet: { type: 'boolean', default: false },
				help: { type: 'boolean', default: false }
			}
		}));
	} catch (error) {
		throw new DemoOptionsError(`${(error as Error).message}. ${USAGE}`);
	}
	if (values.help) {
		process.stdout.write(`${USAGE}\n`);
		return;
	}
	const options = {
		scale: numberOption('--scale', values.scale),
		seed: numberOption('--seed', values.seed),
		asOf: values['as-of'] ?? defaultAsOf(),
		target: values.target ?? getConfig().demoSourcePath,
		progress: values.quiet ? ('quiet' as const) : ('auto' as const)
	};
	process.stderr.write(
		`Generating the demo operational systems: scale ${options.scale}, seed ${options.seed}, as of ${options.asOf}\n`
	);
	const summary = await generateDemo(options);
	const total = Object.values(summary.rows).reduce((a, b) => a + b, 0);
	process.stdout.write(
		`Wrote ${total.toLocaleString('en-US')} rows in ${Object.keys(summary.rows).length} tables to ${summary.target} in ${summary.seconds.toFixed(1)} s\n`
	);
});

function numberOption(name: string, text: string): number {
	const value = Number(text);
	if (text.trim() === '' || !Number.isFinite(value)) {
		throw new DemoOptionsError(`${name} must be a number, got "${text}". ${USAGE}`);
	}
	return value;
}
