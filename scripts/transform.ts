/**
 * npm run transform -- <seed|run|test|build|compile|ls|docs> [flags]
 *
 * The dbt-style runner over the transforms project. The warehouse comes from the configuration
 * (embedded ClickHouse by default); --target points it at a relational database instead.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { load as loadYaml } from 'js-yaml';
import type { Knex } from 'knex';
import {
	createClickHouseAdapter,
	createKnexAdapter,
	runTransform,
	type Adapter,
	type Verb
} from '../src/lib/server/transform';
import { ProjectError } from '../src/lib/server/transform/errors';
import { openSourceDatabase, parseSourceLocation } from '../src/lib/server/sources/connection';
import { createWarehouse, type Warehouse } from '../src/lib/server/warehouse';

const VERBS = ['seed', 'run', 'test', 'build', 'compile', 'ls', 'docs'] as const;
const USAGE = `usage: npm run transform -- <${VERBS.join('|')}> [--project-dir transforms] [-s selector …] [--exclude selector …]
       [--indirect-selection eager|cautious|buildable] [--full-refresh] [--threads N] [--vars '{key: value}'] [--publish] [--target sqlite:file|postgres://…]
       [--resource-type model …] [--output selector|name|path|json]`;

async function main(): Promise<number> {
	let parsed;
	try {
		parsed = parseArgs({
			allowPositionals: true,
			options: {
				'project-dir': { type: 'string', default: 'transforms' },
				select: { type: 'string', short: 's', multiple: true },
				models: { type: 'string', short: 'm', multiple: true },
				exclude: { type: 'string', multiple: true },
				'indirect-selection': { type: 'string', default: 'eager' },
				'full-refresh': { type: 'boolean', default: false },
				threads: { type: 'string', default: '1' },
				vars: { type: 'string' },
				publish: { type: 'boolean', default: false },
				target: { type: 'string' },
				'resource-type': { type: 'string', multiple: true },
				output: { type: 'string', default: 'selector' },
				help: { type: 'boolean', short: 'h', default: false }
			}
		});
	} catch (error) {
		throw new ProjectError(`${(error as Error).message}\n${USAGE}`);
	}
	const { values, positionals } = parsed;
	if (values.help) {
		process.stdout.write(`${USAGE}\n`);
		return 0;
	}
	const verb = positionals[0] as Verb | undefined;
	// dbt takes `-s a b`; parseArgs hands the second selector over as a positional.
	const extraSelectors = positionals.slice(1);
	if (extraSelectors.length > 0 && !values.select && !values.models) {
		throw new ProjectError(
			`unexpected arguments "${extraSelectors.join(' ')}"; selectors follow -s\n${USAGE}`
		);
	}
	if (!verb || !(VERBS as readonly string[]).includes(verb)) {
		throw new ProjectError(
			`expected one verb of ${VERBS.join(', ')}, got "${positionals.join(' ')}"\n${USAGE}`
		);
	}
	const threads = Number(values.threads);
	if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
		throw new ProjectError(`--threads must be a whole number from 1 to 64, got "${values.threads}"`);
	}
	let vars: Record<string, unknown> | undefined;
	if (values.vars) {
		try {
			vars = loadYaml(values.vars) as Record<string, unknown>;
		} catch (error) {
			throw new ProjectError(`--vars is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
		}
		if (!vars || typeof vars !== 'object' || Array.isArray(vars)) {
			throw new ProjectError(`--vars must be a mapping, e.g. --vars '{start_date: 2026-01-01}'`);
		}
	}
	const indirect = values['indirect-selection'] as 'eager' | 'cautious' | 'buildable';
	if (!['eager', 'cautious', 'buildable'].includes(indirect)) {
		throw new ProjectError(`--indirect-selection must be eager, cautious or buildable, got "${indirect}"`);
	}
	const output = values.output as 'selector' | 'name' | 'path' | 'json';
	if (!['selector', 'name', 'path', 'json'].includes(output)) {
		throw new ProjectError(`--output must be selector, name, path or json, got "${values.output}"`);
	}

	const connection = await openTarget(values.target);
	try {
		const outcome = await runTransform(connection.adapter, {
			projectDir: path.resolve(values['project-dir']),
			verb,
			select: [...(values.select ?? []), ...(values.models ?? []), ...extraSelectors],
			exclude: values.exclude,
			indirectSelection: indirect,
			fullRefresh: values['full-refresh'],
			threads,
			vars,
			publish: values.publish,
			resourceTypes: values['resource-type'],
			output,
			log: (line) => process.stdout.write(`${line}\n`)
		});
		return outcome.exitCode;
	} finally {
		await connection.close();
	}
}

async function openTarget(target: string | undefined): Promise<{ adapter: Adapter; close(): Promise<void> }> {
	if (!target) {
		const warehouse: Warehouse = await createWarehouse();
		const adapter = createClickHouseAdapter(warehouse);
		return { adapter, close: () => warehouse.close() };
	}
	const location = parseSourceLocation(target);
	if (location.dialect === 'mysql')
		throw new ProjectError('--target supports SQLite and PostgreSQL; MySQL is not a transform target');
	const db: Knex = openSourceDatabase(location, { create: true });
	const adapter = await createKnexAdapter(db, {});
	return {
		adapter,
		close: async () => {
			await adapter.close();
			await db.destroy();
		}
	};
}

try {
	process.exitCode = await main();
} catch (error) {
	process.stderr.write(`error: ${(error as Error).message}\n`);
	if (process.env.DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
	process.exitCode = 2;
}
