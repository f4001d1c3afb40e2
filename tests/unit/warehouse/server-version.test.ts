/**
 * Server mode against a fake ClickHouse HTTP interface: a tiny node:http server answering the way
 * ClickHouse does (a JSONEachRow body for any query, `Ok.` on /ping, `Code: N. DB::Exception…` errors).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createWarehouse, WarehouseError } from '$lib/server/warehouse';

interface FakeServer {
	url: string;
	/** Every query text received, in order. */
	queries: string[];
	close(): Promise<void>;
}

let servers: FakeServer[] = [];

afterEach(async () => {
	await Promise.all(servers.map((s) => s.close()));
	servers = [];
});

/** Starts a fake that answers every query with `reply(query)`: [HTTP status, body]. */
async function startFakeClickHouse(reply: (query: string) => [number, string]): Promise<FakeServer> {
	const queries: string[] = [];
	const server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (chunk) => (body += chunk));
		req.on('end', () => {
			if (req.url === '/ping') {
				res.end('Ok.\n');
				return;
			}
			queries.push(body);
			const [status, text] = reply(body);
			res.writeHead(status, { 'Content-Type': 'text/plain; charset=UTF-8' });
			res.end(text);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	const fake: FakeServer = {
		url: `http://127.0.0.1:${port}`,
		queries,
		close: () => new Promise((resolve) => server.close(() => resolve()))
	};
	servers.push(fake);
	return fake;
}

function answerVersion(version: string) {
	return (query: string): [number, string] =>
		query.startsWith('SELECT version()') ? [200, `{"version":"${version}"}\n`] : [200, '{"answer":"42"}\n'];
}

/** A port nothing listens on: bind one, then let it go. */
async function getClosedPort(): Promise<number> {
	const server = http.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

describe('server mode', () => {
	it('refuses a server older than 24.8 with a message naming the URL and the fix', async () => {
		const fake = await startFakeClickHouse(answerVersion('18.16.1'));
		const err = await createWarehouse({
			mode: 'server',
			url: fake.url,
			user: 'cockpit',
			password: 's3cret'
		}).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(WarehouseError);
		expect((err as Error).message).toBe(
			`ClickHouse server at ${fake.url} is version 18.16.1; this app needs 24.8 or newer. ` +
				'Upgrade the server or unset CLICKHOUSE_URL to use the embedded engine.'
		);
		// The version is asked without settings an old server would reject before answering.
		expect(fake.queries).toEqual(['SELECT version() AS version \nFORMAT JSONEachRow']);
	});

	it('accepts a modern server and runs queries with the uniform settings', async () => {
		const fake = await startFakeClickHouse(answerVersion('25.3.1.1'));
		const wh = await createWarehouse({
			mode: 'server',
			url: fake.url,
			user: 'default',
			password: '',
			cluster: 'cockpit_cluster'
		});
		try {
			expect(wh.mode).toBe('server');
			expect(wh.location).toBe(fake.url);
			expect(wh.onCluster).toBe(' ON CLUSTER `cockpit_cluster`');
			expect(await wh.query('SELECT 42 AS answer')).toEqual([{ answer: '42' }]);
			expect(await wh.ping()).toEqual({ success: true });
		} finally {
			await wh.close();
		}
	});

	it('says plainly when nothing listens at the URL, without credentials', async () => {
		const port = await getClosedPort();
		const err = await createWarehouse({
			mode: 'server',
			url: `http://127.0.0.1:${port}`,
			user: 'cockpit',
			password: 's3cret'
		}).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(WarehouseError);
		expect((err as Error).message).toBe(
			`Cannot reach ClickHouse at http://127.0.0.1:${port} (connection refused). ` +
				'Check CLICKHOUSE_URL and that the server is running.'
		);
	});

	it('points at the credentials when the server refuses them', async () => {
		const fake = await startFakeClickHouse(() => [
			516,
			'Code: 516. DB::Exception: cockpit: Authentication failed: password is incorrect, or there is no user ' +
				'with such name. (AUTHENTICATION_FAILED) (version 25.3.1.1 (official build))\n'
		]);
		const err = await createWarehouse({
			mode: 'server',
			url: fake.url,
			user: 'cockpit',
			password: 'wrong'
		}).catch((e: unknown) => e);
		expect(err).toMatchObject({ code: 516, type: 'AUTHENTICATION_FAILED' });
		expect((err as Error).message).toContain('Check CLICKHOUSE_USER and CLICKHOUSE_PASSWORD.');
		expect((err as Error).message).not.toContain('wrong');
	});
});
