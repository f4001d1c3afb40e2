import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/lib/server/config';

describe('configuration', () => {
	it('works with no variables at all: embedded warehouse and SQLite under ./data', () => {
		const config = loadConfig({}, '/srv/cockpit');
		expect(config.dataDir).toBe('/srv/cockpit/data');
		expect(config.warehouse).toEqual({ mode: 'embedded', path: '/srv/cockpit/data/warehouse' });
		expect(config.appDatabase).toEqual({
			client: 'better-sqlite3',
			filename: '/srv/cockpit/data/app.sqlite'
		});
		expect(config.demoSourcePath).toBe(path.join('/srv/cockpit/data', 'operational.sqlite'));
		expect(config.logLevel).toBe('info');
		expect(config.sources.elderly).toBe('/srv/cockpit/data/operational.sqlite');
		expect(config.pseudonymKeyFile).toBe('/srv/cockpit/data/pseudonym.key');
	});

	it('takes each operational system’s database from SOURCE_<SYSTEM>_URL', () => {
		const config = loadConfig({ SOURCE_CHARITY_URL: 'mysql://etl@charity-db/charity' }, '/srv');
		expect(config.sources.charity).toBe('mysql://etl@charity-db/charity');
		expect(config.sources.assistance).toBe('/srv/data/operational.sqlite');
		expect(() => loadConfig({ SOURCE_CHILDREN_URL: 'oracle://x/y' }, '/srv')).toThrow(
			/^Configuration error: SOURCE_CHILDREN_URL="oracle:\/\/x\/y" must be a postgres:\/\/ or mysql:\/\/ URL, or a SQLite file path/
		);
	});

	it('switches to a ClickHouse server and PostgreSQL when their URLs are set', () => {
		const config = loadConfig(
			{
				CLICKHOUSE_URL: 'https://ch.internal:8443',
				CLICKHOUSE_USER: 'cockpit',
				CLICKHOUSE_PASSWORD: 'pw',
				CLICKHOUSE_CLUSTER: 'main',
				APP_DATABASE_URL: 'postgres://app@db/cockpit'
			},
			'/srv'
		);
		expect(config.warehouse).toEqual({
			mode: 'server',
			url: 'https://ch.internal:8443',
			user: 'cockpit',
			password: 'pw',
			cluster: 'main'
		});
		expect(config.appDatabase).toEqual({ client: 'pg', url: 'postgres://app@db/cockpit' });
	});

	it('is frozen', () => {
		const config = loadConfig({}, '/srv');
		expect(Object.isFrozen(config)).toBe(true);
		expect(Object.isFrozen(config.warehouse)).toBe(true);
	});

	it.each([
		[
			{ CLICKHOUSE_URL: 'clickhouse:9000' },
			/^Configuration error: CLICKHOUSE_URL="clickhouse:9000" must be a URL starting with http:\/\/ or https:\/\/\. Example: CLICKHOUSE_URL=http/
		],
		[
			{ APP_DATABASE_URL: 'mysql://x@y/z' },
			/^Configuration error: APP_DATABASE_URL="mysql:\/\/x@y\/z" must be a URL starting with postgres:/
		],
		[{ LOG_LEVEL: 'loud' }, /^Configuration error: LOG_LEVEL="loud" .*Example: LOG_LEVEL=info$/],
		[
			{ CLICKHOUSE_CLUSTER: 'a b' },
			/^Configuration error: CLICKHOUSE_CLUSTER="a b" must be a ClickHouse cluster name/
		]
	])('rejects %j with one line naming the variable and an example', (env, message) => {
		expect(() => loadConfig(env, '/srv')).toThrow(ConfigError);
		try {
			loadConfig(env, '/srv');
		} catch (error) {
			expect((error as Error).message).toMatch(message);
			expect((error as Error).message).not.toContain('\n');
		}
	});

	it('never echoes a password in an error', () => {
		expect(() => loadConfig({ CLICKHOUSE_URL: 'ftp://user:hunter2@host' }, '/srv')).toThrow(
			/CLICKHOUSE_URL="ftp:\/\/user:\*\*\*@host" must be a URL/
		);
	});

	it('treats empty variables as unset', () => {
		expect(loadConfig({ CLICKHOUSE_URL: '', DATA_DIR: '' }, '/srv').warehouse.mode).toBe('embedded');
	});
});
