import { ClickHouseError } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { describeQuery, describeUrl, WarehouseError, wrapWarehouseError } from '$lib/server/warehouse';

function makeErrno(code: string, message: string): NodeJS.ErrnoException {
	return Object.assign(new Error(message), { code });
}

describe('wrapWarehouseError', () => {
	it('keeps ClickHouse code, type, message and the first line of the query', () => {
		const cause = new ClickHouseError({
			message: 'Unknown table expression identifier `raw.x`',
			code: '60',
			type: 'UNKNOWN_TABLE'
		});
		const err = wrapWarehouseError(cause, { query: '\n  SELECT *   FROM raw.x\nWHERE id = {id:UInt64}' });
		expect(err).toBeInstanceOf(WarehouseError);
		expect(err).toMatchObject({
			code: 60,
			type: 'UNKNOWN_TABLE',
			serverMessage: 'Unknown table expression identifier `raw.x`',
			query: 'SELECT * FROM raw.x',
			cause
		});
		expect(err.message).toBe(
			'ClickHouse UNKNOWN_TABLE (code 60): Unknown table expression identifier `raw.x` [in: SELECT * FROM raw.x]'
		);
	});

	it('recognises the ClickHouseError of another copy of the client (as chdb throws)', () => {
		class ClickHouseError extends Error {
			constructor(
				message: string,
				readonly code: string,
				readonly type: string
			) {
				super(message);
			}
		}
		const err = wrapWarehouseError(new ClickHouseError('Syntax error', '62', 'SYNTAX_ERROR'), {
			query: 'SELEC 1'
		});
		expect(err).toMatchObject({ code: 62, type: 'SYNTAX_ERROR', serverMessage: 'Syntax error' });
	});

	it('wraps exactly once', () => {
		const once = wrapWarehouseError(new Error('boom'), { query: 'SELECT 1' });
		expect(wrapWarehouseError(once, { query: 'SELECT 2' })).toBe(once);
		expect(once.message).toBe('boom [in: SELECT 1]');
		expect(once.code).toBeUndefined();
	});

	it('turns unreachable servers into one clear sentence without credentials', () => {
		const refused = wrapWarehouseError(makeErrno('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.5:8123'), {
			url: 'http://cockpit:s3cret@10.0.0.5:8123/?password=s3cret'
		});
		expect(refused.message).toBe(
			'Cannot reach ClickHouse at http://10.0.0.5:8123 (connection refused). ' +
				'Check CLICKHOUSE_URL and that the server is running.'
		);

		const happyEyeballs = new AggregateError([makeErrno('ENOTFOUND', 'getaddrinfo ENOTFOUND ch')], 'failed');
		expect(wrapWarehouseError(happyEyeballs, { url: 'http://ch:8123' }).message).toContain(
			'Cannot reach ClickHouse at http://ch:8123 (host not found).'
		);
	});

	it('never repeats a literal or URL credentials from the query', () => {
		const sql =
			"INSERT INTO raw.t SELECT * FROM postgresql('db:5432', 'ops', 'persons', 'etl', 'pa''ss') -- x";
		expect(describeQuery(sql)).toBe(
			"INSERT INTO raw.t SELECT * FROM postgresql('…', '…', '…', '…', '…') -- x"
		);
		expect(describeQuery("SELECT * FROM url('http://u:pw@host/x.csv')")).not.toContain('pw');
		expect(describeQuery(`SELECT ${'x, '.repeat(100)}1`)).toHaveLength(120);
		expect(describeUrl('https://u:p@ch.internal:8443/proxy?x=1')).toBe('https://ch.internal:8443/proxy');
	});
});
