import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWarehouse, WarehouseError, type Warehouse } from '$lib/server/warehouse';
import { createClickHouseAdapter } from '$lib/server/transform/adapters/clickhouse';
import type { Adapter, NodeConfig, Relation, SeedColumn } from '$lib/server/transform/types';

let root: string;
let wh: Warehouse;
let adapter: Adapter;

beforeAll(async () => {
	root = await mkdtemp(path.join(os.tmpdir(), 'clickhouse-adapter-'));
	wh = await createWarehouse({ mode: 'embedded', path: path.join(root, 'warehouse') });
	adapter = createClickHouseAdapter(wh);
});

afterAll(async () => {
	await adapter?.close();
	await wh?.close();
	if (root) await rm(root, { recursive: true, force: true });
});

function configure(overrides: Partial<NodeConfig> = {}): NodeConfig {
	return { enabled: true, materialized: 'table', tags: [], publish: false, ...overrides };
}

function at(identifier: string, schema = 'analytics'): Relation {
	return { schema, identifier };
}

/** Rows of `sql` with every value as text, so 64-bit integers and numbers compare alike. */
async function select(sql: string): Promise<Record<string, string | null>[]> {
	const rows = await adapter.query(sql);
	return rows.map((row) =>
		Object.fromEntries(
			Object.entries(row).map(([key, value]) => [key, value === null ? null : String(value)])
		)
	);
}

async function readEngine(relation: Relation): Promise<string | undefined> {
	const [row] = await wh.query<{ engine: string }>(
		'SELECT engine FROM system.tables WHERE database = {db:String} AND name = {name:String}',
		{ db: relation.schema, name: relation.identifier }
	);
	return row?.engine;
}

/** Names in `schema` that a build leaves behind only when something went wrong. */
async function listLeftovers(schema: string): Promise<string[]> {
	const rows = await wh.query<{ name: string }>(
		"SELECT name FROM system.tables WHERE database = {db:String} AND match(name, '__dbt_(tmp|new)$')",
		{ db: schema }
	);
	return rows.map((row) => row.name);
}

async function catchError(promise: Promise<unknown>): Promise<Error> {
	const err = await promise.then(
		() => undefined,
		(e: unknown) => e
	);
	expect(err).toBeInstanceOf(Error);
	return err as Error;
}

describe('names and literals', () => {
	it('renders relations with backticks and is a non-concurrent ClickHouse adapter', () => {
		expect(adapter.type).toBe('clickhouse');
		expect(adapter.supportsConcurrency).toBe(false);
		expect(adapter.defaultSchema).toBe('analytics');
		expect(createClickHouseAdapter(wh, { defaultSchema: 'marts' }).defaultSchema).toBe('marts');
		expect(adapter.renderRelation(at('orders', 'marts'))).toBe('`marts`.`orders`');
		expect(adapter.quoteIdentifier('a`b')).toBe('`a\\`b`');
	});

	it('round-trips literals through a query', async () => {
		const text = `it's a \\ back'slash\\' "quoted" 中文\nline`;
		const [row] = await adapter.query(
			`SELECT ${adapter.literal(text)} AS s, ${adapter.literal(42)} AS n, ${adapter.literal(-1.5)} AS f,
			        ${adapter.literal(true)} AS t, ${adapter.literal(false)} AS no, ${adapter.literal(null)} AS z`
		);
		expect(row).toEqual({ s: text, n: 42, f: -1.5, t: true, no: false, z: null });
		expect(adapter.literal(null)).toBe('NULL');
		expect(adapter.literal(true)).toBe('true');
	});
});

describe('views', () => {
	it('builds a view and replaces it', async () => {
		const view = at('v_numbers');
		expect(await adapter.buildView(view, 'SELECT 1 AS x', configure({ materialized: 'view' }))).toEqual({});
		expect(await select('SELECT x FROM analytics.v_numbers')).toEqual([{ x: '1' }]);
		await adapter.buildView(view, 'SELECT 2 AS x, 3 AS y;', configure({ materialized: 'view' }));
		expect(await select('SELECT x, y FROM analytics.v_numbers')).toEqual([{ x: '2', y: '3' }]);
		expect(await readEngine(view)).toBe('View');
		expect(await adapter.listColumns(view)).toEqual(['x', 'y']);
	});
});

describe('tables', () => {
	it('builds a table, then rebuilds it with other data in one swap', async () => {
		const table = at('t_items');
		const first = await adapter.buildTable(
			table,
			"SELECT number AS id, 'old' AS label FROM numbers(3)",
			configure({ order_by: 'id' })
		);
		expect(first).toEqual({ rows: 3 });
		// A reader defined on the table keeps working across the swap.
		await adapter.execute(
			'CREATE VIEW analytics.reader AS SELECT label, count() AS n FROM analytics.t_items GROUP BY label'
		);
		expect(await select('SELECT * FROM analytics.reader')).toEqual([{ label: 'old', n: '3' }]);

		// A killed earlier run left its half-built table behind.
		await adapter.execute('CREATE TABLE analytics.t_items__dbt_tmp (junk UInt8) ENGINE = Memory');
		const second = await adapter.buildTable(
			table,
			"SELECT number AS id, 'new' AS label FROM numbers(5)",
			configure({ unique_key: 'id' })
		);
		expect(second).toEqual({ rows: 5 });
		expect(await select('SELECT * FROM analytics.reader')).toEqual([{ label: 'new', n: '5' }]);
		expect(await listLeftovers('analytics')).toEqual([]);
	});

	it('applies engine, partition, order, primary key and settings from config', async () => {
		const table = at('t_configured');
		await adapter.buildTable(
			table,
			"SELECT toDate('2024-01-15') + number * 20 AS day, number % 2 AS code, number AS version FROM numbers(6)",
			configure({
				engine: 'ReplacingMergeTree(version)',
				partition_by: 'toYYYYMM(day)',
				order_by: ['code', 'day'],
				primary_key: 'code',
				settings: { index_granularity: 1024 }
			})
		);
		const [row] = await wh.query<{ engine_full: string }>(
			"SELECT engine_full FROM system.tables WHERE database = 'analytics' AND name = 't_configured'"
		);
		expect(row?.engine_full).toMatch(
			/^ReplacingMergeTree\(version\) PARTITION BY toYYYYMM\(day\) PRIMARY KEY code ORDER BY \(code, day\) SETTINGS index_granularity = 1024/
		);
	});

	it('replaces a view of the same name (a changed materialization)', async () => {
		const relation = at('t_was_view');
		await adapter.buildView(relation, 'SELECT 1 AS x', configure({ materialized: 'view' }));
		expect(await adapter.buildTable(relation, 'SELECT 7 AS x', configure())).toEqual({ rows: 1 });
		expect(await readEngine(relation)).toBe('MergeTree');
		expect(await select('SELECT x FROM analytics.t_was_view')).toEqual([{ x: '7' }]);
		expect(await listLeftovers('analytics')).toEqual([]);
	});

	it('keeps the old table when the new one fails, naming the relation and keeping the code', async () => {
		const table = at('t_kept');
		await adapter.buildTable(table, 'SELECT 1 AS x', configure());
		const err = await catchError(adapter.buildTable(table, 'SELECT no_such_column AS x', configure()));
		expect(err).toBeInstanceOf(WarehouseError);
		expect((err as WarehouseError).code).toBe(47);
		expect((err as WarehouseError).type).toBe('UNKNOWN_IDENTIFIER');
		expect(err.message).toMatch(/^building table analytics\.t_kept: ClickHouse UNKNOWN_IDENTIFIER/);
		expect(await select('SELECT x FROM analytics.t_kept')).toEqual([{ x: '1' }]);
	});

	it('finds, lists and drops tables and views', async () => {
		const table = at('t_drop');
		const view = at('v_drop');
		await adapter.buildTable(table, 'SELECT 1 AS b, 2 AS a', configure());
		await adapter.buildView(view, 'SELECT a FROM analytics.t_drop', configure({ materialized: 'view' }));
		expect(await adapter.listColumns(table)).toEqual(['b', 'a']);
		expect(await adapter.relationExists(table)).toBe(true);
		await adapter.dropRelation(view);
		await adapter.dropRelation(table);
		await adapter.dropRelation(at('never_built'));
		expect(await adapter.relationExists(table)).toBe(false);
		expect(await adapter.relationExists(view)).toBe(false);
		expect(await adapter.listColumns(table)).toEqual([]);
	});
});

describe('incremental models', () => {
	const source = (name: string) => `analytics.${name}`;

	async function createSource(name: string, rows: string): Promise<void> {
		await adapter.execute(`DROP TABLE IF EXISTS ${source(name)}`);
		await adapter.execute(
			`CREATE TABLE ${source(name)} (id UInt32, day Date, label String) ENGINE = MergeTree ORDER BY id`
		);
		await adapter.execute(`INSERT INTO ${source(name)} VALUES ${rows}`);
	}

	it('appends only what the model selects, by column name', async () => {
		await createSource('src_append', "(1, '2024-01-01', 'a'), (2, '2024-01-02', 'b')");
		const relation = at('inc_append');
		const config = configure({ materialized: 'incremental', order_by: 'id' });
		const first = 'SELECT id, day, label FROM analytics.src_append';
		// As `is_incremental()` renders it: only rows newer than the target's, columns in another order.
		const later = `SELECT label, id, day FROM analytics.src_append
			WHERE id > (SELECT max(id) FROM analytics.inc_append)`;

		expect(await adapter.buildIncremental(relation, first, config, { fullRefresh: false })).toEqual({
			rows: 2
		});
		expect(await adapter.buildIncremental(relation, later, config, { fullRefresh: false })).toEqual({
			rows: 0
		});
		await adapter.execute(`INSERT INTO ${source('src_append')} VALUES (3, '2024-01-03', 'c')`);
		expect(await adapter.buildIncremental(relation, later, config, { fullRefresh: false })).toEqual({
			rows: 1
		});
		expect(await adapter.buildIncremental(relation, later, config, { fullRefresh: false })).toEqual({
			rows: 0
		});

		expect(
			await select('SELECT id, toString(day) AS day, label FROM analytics.inc_append ORDER BY id')
		).toEqual([
			{ id: '1', day: '2024-01-01', label: 'a' },
			{ id: '2', day: '2024-01-02', label: 'b' },
			{ id: '3', day: '2024-01-03', label: 'c' }
		]);
		expect(await listLeftovers('analytics')).toEqual([]);
	});

	it('delete+insert replaces rows by unique key: no duplicates, changed rows updated', async () => {
		await createSource('src_upsert', "(1, '2024-01-01', 'a'), (2, '2024-01-02', 'b')");
		const relation = at('inc_upsert');
		// The default strategy when a unique key is set.
		const config = configure({ materialized: 'incremental', unique_key: 'id' });
		const sql = 'SELECT day, label, id FROM analytics.src_upsert';

		expect(await adapter.buildIncremental(relation, sql, config, { fullRefresh: false })).toEqual({
			rows: 2
		});
		expect(await adapter.buildIncremental(relation, sql, config, { fullRefresh: false })).toEqual({
			rows: 2
		});
		expect(await select('SELECT count() AS n FROM analytics.inc_upsert')).toEqual([{ n: '2' }]);

		await adapter.execute("ALTER TABLE analytics.src_upsert UPDATE label = 'B' WHERE id = 2");
		await adapter.execute(`INSERT INTO ${source('src_upsert')} VALUES (3, '2024-01-03', 'c')`);
		const newer = `${sql} WHERE id >= 2`;
		expect(await adapter.buildIncremental(relation, newer, config, { fullRefresh: false })).toEqual({
			rows: 2
		});
		expect(await adapter.buildIncremental(relation, newer, config, { fullRefresh: false })).toEqual({
			rows: 2
		});
		expect(await select('SELECT id, label FROM analytics.inc_upsert ORDER BY id')).toEqual([
			{ id: '1', label: 'a' },
			{ id: '2', label: 'B' },
			{ id: '3', label: 'c' }
		]);
		expect(await listLeftovers('analytics')).toEqual([]);
	});

	it('delete+insert works on a composite key', async () => {
		const relation = at('inc_composite');
		const config = configure({
			materialized: 'incremental',
			incremental_strategy: 'delete+insert',
			unique_key: ['k1', 'k2']
		});
		const build = (sql: string) => adapter.buildIncremental(relation, sql, config, { fullRefresh: false });
		await build("SELECT number % 2 AS k1, intDiv(number, 2) AS k2, 'v1' AS v FROM numbers(4)");
		// (1, 0) shares k1 and (0, 1) shares k2 with the changed row (1, 1); only whole keys may match.
		const changed = "SELECT 1 AS k1, 1 AS k2, 'v2' AS v UNION ALL SELECT 1, 2, 'v2'";
		await build(changed);
		await build(changed);
		expect(await select('SELECT k1, k2, v FROM analytics.inc_composite ORDER BY k1, k2')).toEqual([
			{ k1: '0', k2: '0', v: 'v1' },
			{ k1: '0', k2: '1', v: 'v1' },
			{ k1: '1', k2: '0', v: 'v1' },
			{ k1: '1', k2: '1', v: 'v2' },
			{ k1: '1', k2: '2', v: 'v2' }
		]);
	});

	it('insert_overwrite replaces only the partitions the new rows touch', async () => {
		const relation = at('inc_overwrite');
		const config = configure({
			materialized: 'incremental',
			incremental_strategy: 'insert_overwrite',
			partition_by: 'toYYYYMM(day)',
			order_by: 'day'
		});
		const build = (sql: string) => adapter.buildIncremental(relation, sql, config, { fullRefresh: false });
		const byMonth = `SELECT toYYYYMM(day) AS month, count() AS n, groupArray(label) AS labels
			FROM analytics.inc_overwrite GROUP BY month ORDER BY month`;

		await build(`SELECT toDate('2024-01-10') + number * 30 AS day, 'old' AS label FROM numbers(3)`);
		const february = `SELECT 'new' AS label, toDate('2024-02-01') + number AS day FROM numbers(2)`;
		expect(await build(february)).toEqual({ rows: 2 });
		expect(await build(february)).toEqual({ rows: 2 });
		expect(await adapter.query(byMonth)).toEqual([
			{ month: 202401, n: '1', labels: ['old'] },
			{ month: 202402, n: '2', labels: ['new', 'new'] },
			{ month: 202403, n: '1', labels: ['old'] }
		]);
		expect(await listLeftovers('analytics')).toEqual([]);

		const err = await catchError(
			adapter.buildIncremental(
				relation,
				february,
				{ ...config, partition_by: undefined },
				{ fullRefresh: false }
			)
		);
		expect(err.message).toMatch(/inc_overwrite: .*insert_overwrite needs a partition_by/);
	});

	it('adds to an insert_overwrite table only under the same partition key, however it is written', async () => {
		const relation = at('inc_keyed');
		const monthly = configure({
			materialized: 'incremental',
			incremental_strategy: 'insert_overwrite',
			partition_by: 'toYear(day) * 100 + toMonth(day)',
			order_by: 'day'
		});
		expect(await adapter.canAddTo(relation, monthly)).toBe(false);
		await adapter.buildIncremental(relation, `SELECT toDate('2024-01-10') AS day`, monthly, {
			fullRefresh: false
		});
		// Stored as '(toYear(day) * 100) + toMonth(day)': the engine's own form, still the same key.
		expect(await adapter.canAddTo(relation, monthly)).toBe(true);
		expect(
			await adapter.canAddTo(relation, { ...monthly, partition_by: '(toYear(`day`) * 100) + toMonth(day)' })
		).toBe(true);
		expect(await adapter.canAddTo(relation, { ...monthly, partition_by: 'toYear(day)' })).toBe(false);
		expect(await adapter.canAddTo(relation, { ...monthly, incremental_strategy: 'append' })).toBe(true);
	});

	it('rebuilds the whole table on a full refresh or over a view', async () => {
		const relation = at('inc_refresh');
		const config = configure({ materialized: 'incremental' });
		await adapter.buildView(relation, 'SELECT 1 AS x', configure({ materialized: 'view' }));
		expect(await adapter.buildIncremental(relation, 'SELECT 2 AS x', config, { fullRefresh: false })).toEqual(
			{
				rows: 1
			}
		);
		expect(await readEngine(relation)).toBe('MergeTree');
		await adapter.buildIncremental(relation, 'SELECT 3 AS x', config, { fullRefresh: false });
		expect(await select('SELECT x FROM analytics.inc_refresh ORDER BY x')).toEqual([{ x: '2' }, { x: '3' }]);
		await adapter.buildIncremental(relation, 'SELECT 4 AS x', config, { fullRefresh: true });
		expect(await select('SELECT x FROM analytics.inc_refresh')).toEqual([{ x: '4' }]);
	});
});

describe('seeds', () => {
	const columns: SeedColumn[] = [
		{ name: 'code', type: 'string', declared: 'LowCardinality(String)', nullable: false },
		{ name: 'name', type: 'string', nullable: false },
		{ name: 'population', type: 'integer', nullable: true },
		{ name: 'share', type: 'float', nullable: false },
		{ name: 'is_urban', type: 'boolean', nullable: false },
		{ name: 'founded', type: 'date', nullable: true },
		{ name: 'updated_at', type: 'datetime', nullable: false },
		{ name: 'budget', type: 'string', declared: 'Decimal(18, 2)', nullable: false },
		{ name: 'big', type: 'integer', nullable: false }
	];

	it('loads typed columns with nulls, Chinese text, dates and declared types', async () => {
		const relation = at('districts', 'seeds');
		const result = await adapter.loadSeed(
			relation,
			columns,
			[
				[
					'370202',
					'市南区',
					'510000',
					'0.25',
					'TRUE',
					'1994-05-01',
					'2024-01-02 03:04:05',
					'123.45',
					'9007199254740993'
				],
				['370203', "市北区 'quoted' \\ slash", null, '1e-3', '0', null, '2024-01-02T03:04:05', '0.10', '-1']
			],
			configure({ materialized: 'seed' })
		);
		expect(result).toEqual({ rows: 2 });
		const types = await wh.query<{ name: string; type: string }>(
			"SELECT name, type FROM system.columns WHERE database = 'seeds' AND table = 'districts' ORDER BY position"
		);
		expect(types.map((column) => column.type)).toEqual([
			'LowCardinality(String)',
			'String',
			'Nullable(Int64)',
			'Float64',
			'Bool',
			'Nullable(Date)',
			'DateTime',
			'Decimal(18, 2)',
			'Int64'
		]);
		expect(
			await select(
				'SELECT code, name, population, share, is_urban, founded, updated_at, budget, big FROM seeds.districts ORDER BY code'
			)
		).toEqual([
			{
				code: '370202',
				name: '市南区',
				population: '510000',
				share: '0.25',
				is_urban: 'true',
				founded: '1994-05-01',
				updated_at: '2024-01-02 03:04:05',
				budget: '123.45',
				big: '9007199254740993'
			},
			{
				code: '370203',
				name: "市北区 'quoted' \\ slash",
				population: null,
				share: '0.001',
				is_urban: 'false',
				founded: null,
				updated_at: '2024-01-02 03:04:05',
				budget: '0.1',
				big: '-1'
			}
		]);
	});

	it('reloads a seed in one swap and loads in batches', async () => {
		const relation = at('many', 'seeds');
		const seedColumns: SeedColumn[] = [{ name: 'n', type: 'integer', nullable: false }];
		await adapter.loadSeed(relation, seedColumns, [['1']], configure({ materialized: 'seed' }));
		const rows = Array.from({ length: 120_000 }, (_, i) => [String(i)]);
		expect(await adapter.loadSeed(relation, seedColumns, rows, configure({ materialized: 'seed' }))).toEqual({
			rows: 120_000
		});
		expect(await select('SELECT count() AS c, sum(n) AS s FROM seeds.many')).toEqual([
			{ c: '120000', s: String((119_999 * 120_000) / 2) }
		]);
		expect(await listLeftovers('seeds')).toEqual([]);
	});

	it('names the column and row of a value that is not a boolean', async () => {
		const err = await catchError(
			adapter.loadSeed(
				at('bad_flags', 'seeds'),
				[{ name: 'flag', type: 'boolean', nullable: false }],
				[['true'], ['yes']],
				configure({ materialized: 'seed' })
			)
		);
		expect(err.message).toBe(
			'loading seed seeds.bad_flags: column flag, data row 2: "yes" is not a boolean (true, false, 1 or 0)'
		);
	});
});

describe('publishing', () => {
	it('swaps shadow tables over live ones and removes the shadows', async () => {
		const config = configure();
		await adapter.buildTable(at('orders', 'marts'), "SELECT 'yesterday' AS night", config);
		await adapter.buildTable(at('orders', 'marts__shadow'), "SELECT 'today' AS night", config);
		await adapter.buildTable(at('fresh', 'marts__shadow'), 'SELECT 1 AS first', config);

		await adapter.publish([
			{ shadow: at('orders', 'marts__shadow'), live: at('orders', 'marts') },
			{ shadow: at('fresh', 'marts__shadow'), live: at('fresh', 'marts') }
		]);
		expect(await select('SELECT night FROM marts.orders')).toEqual([{ night: 'today' }]);
		expect(await select('SELECT first FROM marts.fresh')).toEqual([{ first: '1' }]);
		expect(await adapter.relationExists(at('orders', 'marts__shadow'))).toBe(false);
		expect(await adapter.relationExists(at('fresh', 'marts__shadow'))).toBe(false);
	});

	it('records data versions 1, 2', async () => {
		expect(await adapter.currentDataVersion()).toBe(0);
		const entry = {
			publishedAt: '2024-05-06T07:08:09.123Z',
			invocationId: 'run-1',
			relations: ['marts.orders']
		};
		expect(await adapter.recordDataVersion(entry)).toBe(1);
		expect(await adapter.recordDataVersion({ ...entry, invocationId: 'run-2', relations: [] })).toBe(2);
		expect(await adapter.currentDataVersion()).toBe(2);
		expect(
			await adapter.query(
				'SELECT version, toString(published_at) AS at, invocation_id, relations FROM meta.data_versions ORDER BY version'
			)
		).toEqual([
			{ version: '1', at: '2024-05-06 07:08:09.123', invocation_id: 'run-1', relations: ['marts.orders'] },
			{ version: '2', at: '2024-05-06 07:08:09.123', invocation_id: 'run-2', relations: [] }
		]);
	});
});
