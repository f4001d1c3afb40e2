/**
 * The knex adapter on real databases: one suite, run on SQLite in a temporary directory (where a schema
 * is a prefix of table names in the one main database) and, when TEST_POSTGRES_URL is set, on
 * PostgreSQL in throwaway schemas with a random prefix, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnexAdapter } from '$lib/server/transform/adapters/knex';
import type { Adapter, NodeConfig, Relation, SeedColumn, SeedRow } from '$lib/server/transform/types';

const postgresUrl = process.env.TEST_POSTGRES_URL;

interface Target {
	db: Knex;
	adapter: Adapter;
	/** Schemas the suite may create. */
	staging: string;
	shadow: string;
}

function makeConfig(overrides: Partial<NodeConfig> = {}): NodeConfig {
	return { enabled: true, materialized: 'table', tags: [], publish: false, ...overrides };
}

/** `text` as a regular expression that matches exactly it. */
function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Rows with every value as the test compares it: PostgreSQL's BIGINT and NUMERIC arrive as text. */
async function select(adapter: Adapter, sql: string): Promise<Record<string, unknown>[]> {
	return (await adapter.query(sql)).map((row) =>
		Object.fromEntries(
			Object.entries(row).map(([key, value]) => [
				key,
				typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value
			])
		)
	);
}

/** The behaviour both engines share; `open` yields a fresh adapter and the schemas it may use. */
function defineSharedSuite(open: () => Promise<Target>) {
	let target: Target;
	let adapter: Adapter;
	let staging: string;
	const rel = (identifier: string, schema = staging): Relation => ({ schema, identifier });
	const render = (identifier: string, schema = staging) => adapter.renderRelation(rel(identifier, schema));
	const bool = (value: boolean) => (adapter.type === 'postgres' ? value : value ? 1 : 0);

	beforeAll(async () => {
		target = await open();
		({ adapter, staging } = target);
		await adapter.ensureSchema(staging);
		await adapter.ensureSchema(target.shadow);
	});

	afterAll(async () => {
		await adapter?.close();
	});

	it('quotes identifiers and renders relations', () => {
		expect(adapter.quoteIdentifier('a"b')).toBe('"a""b"');
		expect(adapter.renderRelation({ schema: 'st', identifier: 'x"y' })).toBe(
			adapter.type === 'sqlite' ? '"st__x""y"' : '"st"."x""y"'
		);
	});

	it('round-trips literals through the database', async () => {
		const values = ["O'Brien", '张三的"家"', 'back\\slash', "''", 'a?b', 42, -1.5, 0];
		for (const value of values) {
			const [row] = await select(adapter, `SELECT ${adapter.literal(value)} AS v`);
			expect(row!.v).toBe(value);
		}
		const [row] = await select(
			adapter,
			`SELECT ${adapter.literal(true)} AS t, ${adapter.literal(false)} AS f, ${adapter.literal(null)} AS n`
		);
		expect(row).toEqual({ t: bool(true), f: bool(false), n: null });
		expect(() => adapter.literal(Number.NaN)).toThrow('NaN has no SQL literal');
	});

	it('passes SQL with question marks to the database unchanged', async () => {
		expect(await adapter.query("SELECT 'what?' AS q")).toEqual([{ q: 'what?' }]);
	});

	it('builds a view, then replaces it, also when its columns change', async () => {
		await adapter.buildView(rel('v_people'), "SELECT 1 AS id, 'a' AS name;", makeConfig());
		expect(await select(adapter, `SELECT id, name FROM ${render('v_people')}`)).toEqual([
			{ id: 1, name: 'a' }
		]);
		await adapter.buildView(rel('v_people'), "SELECT 2 AS id, 'b' AS name", makeConfig());
		expect(await select(adapter, `SELECT * FROM ${render('v_people')}`)).toEqual([{ id: 2, name: 'b' }]);
		await adapter.buildView(rel('v_people'), "SELECT 'z' AS code, 3 AS rank", makeConfig());
		expect(await adapter.listColumns(rel('v_people'))).toEqual(['code', 'rank']);
		expect(await adapter.relationExists(rel('v_people'))).toBe(true);
	});

	it('builds a table, then rebuilds it without leaving the temporary table behind', async () => {
		const sql = 'SELECT 1 AS id UNION ALL SELECT 2 UNION ALL SELECT 3';
		expect(await adapter.buildTable(rel('t_numbers'), sql, makeConfig())).toEqual({ rows: 3 });
		expect(await adapter.buildTable(rel('t_numbers'), "SELECT 9 AS id, 'x' AS tag", makeConfig())).toEqual({
			rows: 1
		});
		expect(await select(adapter, `SELECT * FROM ${render('t_numbers')}`)).toEqual([{ id: 9, tag: 'x' }]);
		expect(await adapter.relationExists(rel('t_numbers__dbt_tmp'))).toBe(false);
	});

	it('replaces a leftover temporary table of a killed run', async () => {
		await adapter.execute(`CREATE TABLE ${render('t_leftover__dbt_tmp')} AS SELECT 'stale' AS junk`);
		expect(await adapter.buildTable(rel('t_leftover'), 'SELECT 1 AS id', makeConfig())).toEqual({ rows: 1 });
		expect(await adapter.listColumns(rel('t_leftover'))).toEqual(['id']);
		expect(await adapter.relationExists(rel('t_leftover__dbt_tmp'))).toBe(false);
	});

	it('replaces a view by a table and a table by a view', async () => {
		await adapter.buildView(rel('switching'), 'SELECT 1 AS id', makeConfig());
		await adapter.buildTable(rel('switching'), 'SELECT 2 AS id', makeConfig());
		await expect(
			adapter.execute(`INSERT INTO ${render('switching')} (id) VALUES (3)`)
		).resolves.toBeUndefined();
		expect(await select(adapter, `SELECT id FROM ${render('switching')} ORDER BY id`)).toEqual([
			{ id: 2 },
			{ id: 3 }
		]);
		await adapter.buildView(rel('switching'), 'SELECT 4 AS id', makeConfig());
		expect(await select(adapter, `SELECT id FROM ${render('switching')}`)).toEqual([{ id: 4 }]);
		await adapter.dropRelation(rel('switching'));
		expect(await adapter.relationExists(rel('switching'))).toBe(false);
		await expect(adapter.dropRelation(rel('switching'))).resolves.toBeUndefined();
	});

	it('rebuilds a table that a view reads', async () => {
		await adapter.buildTable(rel('t_base'), 'SELECT 1 AS id', makeConfig());
		await adapter.buildView(rel('v_on_base'), `SELECT id FROM ${render('t_base')}`, makeConfig());
		await adapter.buildTable(rel('t_base'), 'SELECT 5 AS id', makeConfig());
		if (adapter.type === 'sqlite') {
			// SQLite views are bound by name when read: the view reads the new table.
			expect(await select(adapter, `SELECT id FROM ${render('v_on_base')}`)).toEqual([{ id: 5 }]);
		} else {
			// PostgreSQL views are bound to the table itself: like dbt, the swap drops them (CASCADE).
			expect(await adapter.relationExists(rel('v_on_base'))).toBe(false);
		}
	});

	it('starts the message of a failed build with the relation', async () => {
		const failure = adapter.buildTable(rel('t_broken'), 'SELECT * FROM no_such_table_anywhere', makeConfig());
		await expect(failure).rejects.toThrow(
			new RegExp(`^building ${escapeRegExp(render('t_broken'))}: .*no_such_table`)
		);
		const error = (await failure.catch((caught: unknown) => caught)) as Error;
		expect(error.cause).toBeInstanceOf(Error);
		expect(await adapter.relationExists(rel('t_broken__dbt_tmp'))).toBe(false);
	});

	describe('incremental', () => {
		const source = () => render('events_source');
		const setSource = async (rows: string) => {
			await adapter.buildTable(rel('events_source'), rows, makeConfig());
		};
		const readAll = (identifier: string) =>
			select(adapter, `SELECT id, day, amount FROM ${render(identifier)} ORDER BY id`);

		beforeAll(async () => {
			await setSource(
				"SELECT 1 AS id, '2024-01-01' AS day, 10 AS amount UNION ALL SELECT 2, '2024-01-02', 20"
			);
		});

		it('builds as a table when the relation is missing or on a full refresh', async () => {
			const config = makeConfig({ materialized: 'incremental', unique_key: 'id' });
			const sql = `SELECT id, day, amount FROM ${source()}`;
			expect(await adapter.buildIncremental(rel('inc_full'), sql, config, { fullRefresh: false })).toEqual({
				rows: 2
			});
			expect(await adapter.buildIncremental(rel('inc_full'), sql, config, { fullRefresh: true })).toEqual({
				rows: 2
			});
			expect(await readAll('inc_full')).toHaveLength(2);
		});

		it('appends only what the model selects, by column name', async () => {
			const config = makeConfig({ materialized: 'incremental' });
			const relation = rel('inc_append');
			await adapter.buildIncremental(relation, `SELECT id, day, amount FROM ${source()}`, config, {
				fullRefresh: false
			});
			// What `is_incremental()` would render: only rows past the newest one, columns in another order.
			const sql = `SELECT amount, day, id FROM ${source()}
				WHERE id > (SELECT COALESCE(MAX(id), 0) FROM ${render('inc_append')})`;
			expect(await adapter.buildIncremental(relation, sql, config, { fullRefresh: false })).toEqual({
				rows: 0
			});
			expect(await adapter.buildIncremental(relation, sql, config, { fullRefresh: false })).toEqual({
				rows: 0
			});
			expect(await readAll('inc_append')).toHaveLength(2);
			await adapter.execute(
				`INSERT INTO ${source()} (id, day, amount) VALUES (3, '2024-01-03', 30), (4, '2024-01-03', 40)`
			);
			expect(await adapter.buildIncremental(relation, sql, config, { fullRefresh: false })).toEqual({
				rows: 2
			});
			expect((await readAll('inc_append')).map((row) => row.id)).toEqual([1, 2, 3, 4]);
		});

		it('delete+insert replaces rows by their unique key', async () => {
			await setSource(
				"SELECT 1 AS id, '2024-01-01' AS day, 10 AS amount UNION ALL SELECT 2, '2024-01-02', 20"
			);
			const config = makeConfig({ materialized: 'incremental', unique_key: 'id' });
			const relation = rel('inc_delete_insert');
			const sql = `SELECT id, day, amount FROM ${source()}`;
			await adapter.buildIncremental(relation, sql, config, { fullRefresh: false });
			expect(await adapter.buildIncremental(relation, sql, config, { fullRefresh: false })).toEqual({
				rows: 2
			});
			expect(await adapter.buildIncremental(relation, sql, config, { fullRefresh: false })).toEqual({
				rows: 2
			});
			expect(await readAll('inc_delete_insert')).toHaveLength(2);
			await adapter.execute(`UPDATE ${source()} SET amount = 21 WHERE id = 2`);
			await adapter.execute(`INSERT INTO ${source()} (id, day, amount) VALUES (3, '2024-01-03', 30)`);
			const changed = `SELECT id, day, amount FROM ${source()} WHERE id >= 2`;
			expect(await adapter.buildIncremental(relation, changed, config, { fullRefresh: false })).toEqual({
				rows: 2
			});
			expect(await readAll('inc_delete_insert')).toEqual([
				{ id: 1, day: '2024-01-01', amount: 10 },
				{ id: 2, day: '2024-01-02', amount: 21 },
				{ id: 3, day: '2024-01-03', amount: 30 }
			]);
		});

		it('delete+insert takes a composite key', async () => {
			const config = makeConfig({
				materialized: 'incremental',
				incremental_strategy: 'delete+insert',
				unique_key: ['day', 'id']
			});
			const relation = rel('inc_composite');
			const sql = `SELECT id, day, amount FROM ${source()}`;
			await adapter.buildIncremental(relation, sql, config, { fullRefresh: false });
			await adapter.buildIncremental(relation, sql, config, { fullRefresh: false });
			expect(await readAll('inc_composite')).toHaveLength(3);
			const update = `SELECT id, day, amount * 2 AS amount FROM ${source()} WHERE id = 3`;
			expect(await adapter.buildIncremental(relation, update, config, { fullRefresh: false })).toEqual({
				rows: 1
			});
			expect((await readAll('inc_composite')).map((row) => row.amount)).toEqual([10, 21, 60]);
		});

		it('insert_overwrite replaces whole partitions, named by a column or an expression', async () => {
			for (const partition_by of ['day', ['substr(day, 1, 7)']]) {
				const config = makeConfig({
					materialized: 'incremental',
					incremental_strategy: 'insert_overwrite',
					partition_by
				});
				const relation = rel('inc_overwrite');
				await adapter.dropRelation(relation);
				const january = `SELECT id, day, amount FROM ${source()}`;
				await adapter.buildIncremental(relation, january, config, { fullRefresh: false });
				expect(await adapter.buildIncremental(relation, january, config, { fullRefresh: false })).toEqual({
					rows: 3
				});
				expect(await readAll('inc_overwrite')).toHaveLength(3);
				const replacement = `SELECT 7 AS id, '2024-01-03' AS day, 70 AS amount
					UNION ALL SELECT 8, '2024-02-01', 80`;
				expect(await adapter.buildIncremental(relation, replacement, config, { fullRefresh: false })).toEqual(
					{
						rows: 2
					}
				);
				const ids = (await readAll('inc_overwrite')).map((row) => row.id);
				// By day, only 2024-01-03 (id 3) is replaced; by month, all of January is.
				expect(ids).toEqual(partition_by === 'day' ? [1, 2, 7, 8] : [7, 8]);
			}
		});

		it('refuses insert_overwrite without partition_by and delete+insert without unique_key', async () => {
			const sql = `SELECT id, day, amount FROM ${source()}`;
			const overwrite = makeConfig({ materialized: 'incremental', incremental_strategy: 'insert_overwrite' });
			await expect(
				adapter.buildIncremental(rel('inc_overwrite'), sql, overwrite, { fullRefresh: false })
			).rejects.toThrow('needs partition_by');
			const deleteInsert = makeConfig({ materialized: 'incremental', incremental_strategy: 'delete+insert' });
			await expect(
				adapter.buildIncremental(rel('inc_overwrite'), sql, deleteInsert, { fullRefresh: false })
			).rejects.toThrow('needs a unique_key');
		});
	});

	describe('seeds', () => {
		const columns: SeedColumn[] = [
			{ name: 'code', type: 'integer', nullable: false },
			{ name: 'name', type: 'string', nullable: true },
			{ name: 'ratio', type: 'float', nullable: true },
			{ name: 'active', type: 'boolean', nullable: true },
			{ name: 'opened', type: 'date', nullable: true },
			{ name: 'updated_at', type: 'datetime', nullable: true },
			{ name: 'label', type: 'string', declared: 'VARCHAR(20)', nullable: true }
		];
		const rows: SeedRow[] = [
			['370202', '市南区', '0.5', 'true', '2024-01-31', '2024-01-31 08:30:00', "it's"],
			['370203', '市北区', null, 'FALSE', null, null, null],
			['9007199254740993', 'O\'Neil "Q"', '-2.25', '1', '2023-12-01', '2023-12-01 00:00:00', 'x']
		];
		const read = (identifier: string) =>
			adapter.query(
				`SELECT CAST(code AS TEXT) AS code, name, ratio, active, CAST(opened AS TEXT) AS opened,
				CAST(updated_at AS TEXT) AS updated_at, label FROM ${render(identifier)} ORDER BY code`
			);

		it('loads nulls, Chinese text, numbers, booleans, dates and declared types', async () => {
			expect(await adapter.loadSeed(rel('seed_areas'), columns, rows, makeConfig())).toEqual({ rows: 3 });
			expect(await read('seed_areas')).toEqual([
				{
					code: '370202',
					name: '市南区',
					ratio: 0.5,
					active: bool(true),
					opened: '2024-01-31',
					updated_at: '2024-01-31 08:30:00',
					label: "it's"
				},
				{
					code: '370203',
					name: '市北区',
					ratio: null,
					active: bool(false),
					opened: null,
					updated_at: null,
					label: null
				},
				{
					code: '9007199254740993',
					name: 'O\'Neil "Q"',
					ratio: -2.25,
					active: bool(true),
					opened: '2023-12-01',
					updated_at: '2023-12-01 00:00:00',
					label: 'x'
				}
			]);
			expect(await adapter.listColumns(rel('seed_areas'))).toEqual(columns.map((column) => column.name));
		});

		it('declares the types and NOT NULL it was given', async () => {
			const declared =
				adapter.type === 'postgres'
					? await adapter.query(
							`SELECT column_name AS name, data_type AS type, is_nullable = 'NO' AS required
							FROM information_schema.columns WHERE table_schema = '${staging}' AND table_name = 'seed_areas'
							ORDER BY ordinal_position`
						)
					: (await adapter.query(`PRAGMA table_info(${render('seed_areas')})`)).map((row) => ({
							name: row.name,
							type: row.type,
							required: row.notnull === 1
						}));
			const expected =
				adapter.type === 'postgres'
					? ['bigint', 'text', 'double precision', 'boolean', 'date', 'timestamp without time zone']
					: ['INTEGER', 'TEXT', 'REAL', 'INTEGER', 'TEXT', 'TEXT'];
			expect(declared.map((column) => column.type)).toEqual([
				...expected,
				adapter.type === 'postgres' ? 'character varying' : 'VARCHAR(20)'
			]);
			expect(declared.map((column) => column.required)).toEqual([
				true,
				false,
				false,
				false,
				false,
				false,
				false
			]);
		});

		it('reloads in batches past the parameter limit and leaves no temporary table', async () => {
			// 40 000 rows of 7 values: more parameters than one statement may carry on either engine.
			const many = Array.from({ length: 40_000 }, (_, i): SeedRow => [
				String(i),
				`名称${i}`,
				String(i / 4),
				i % 2 ? 'true' : 'false',
				'2024-02-29',
				null,
				null
			]);
			expect(await adapter.loadSeed(rel('seed_areas'), columns, many, makeConfig())).toEqual({
				rows: 40_000
			});
			const [row] = await select(
				adapter,
				`SELECT COUNT(*) AS n, SUM(code) AS total, MAX(name) AS name FROM ${render('seed_areas')}`
			);
			expect(row).toEqual({ n: 40_000, total: (39_999 * 40_000) / 2, name: '名称9999' });
			expect(await adapter.relationExists(rel('seed_areas__dbt_tmp'))).toBe(false);
		});

		it('names the row and column of a value it cannot convert, and keeps the old seed', async () => {
			const bad: SeedRow[] = [
				['1', 'a', '0.1', 'true', null, null, null],
				['2', 'b', '0.2', 'maybe', null, null, null]
			];
			await expect(adapter.loadSeed(rel('seed_areas'), columns, bad, makeConfig())).rejects.toThrow(
				`building ${render('seed_areas')}: seed row 2, column "active": "maybe" is not a boolean`
			);
			const nulls: SeedRow[] = [[null, 'a', null, null, null, null, null]];
			await expect(adapter.loadSeed(rel('seed_areas'), columns, nulls, makeConfig())).rejects.toThrow(
				new RegExp(`^building ${escapeRegExp(render('seed_areas'))}: .*(null|NULL)`)
			);
			const [row] = await select(adapter, `SELECT COUNT(*) AS n FROM ${render('seed_areas')}`);
			expect(row!.n).toBe(40_000);
			expect(await adapter.relationExists(rel('seed_areas__dbt_tmp'))).toBe(false);
		});
	});

	it('publishes shadow relations over live ones in one go', async () => {
		const { shadow } = target;
		const columns: SeedColumn[] = [{ name: 'id', type: 'integer', nullable: false }];
		await adapter.buildTable(rel('pub_table'), "SELECT 'old' AS version", makeConfig());
		await adapter.buildView(rel('pub_view'), "SELECT 'old' AS version", makeConfig());
		await adapter.loadSeed(rel('pub_seed', shadow), columns, [['1'], ['2']], makeConfig());
		await adapter.buildTable(rel('pub_table', shadow), "SELECT 'new' AS version, 2 AS extra", makeConfig());
		// A view reading a table of its own schema: after publishing it reads the live table.
		await adapter.buildView(
			rel('pub_view', shadow),
			`SELECT version, extra FROM ${render('pub_table', shadow)}`,
			makeConfig()
		);
		await adapter.publish(
			['pub_table', 'pub_view', 'pub_seed'].map((identifier) => ({
				shadow: rel(identifier, shadow),
				live: rel(identifier)
			}))
		);
		expect(await select(adapter, `SELECT * FROM ${render('pub_table')}`)).toEqual([
			{ version: 'new', extra: 2 }
		]);
		expect(await select(adapter, `SELECT * FROM ${render('pub_view')}`)).toEqual([
			{ version: 'new', extra: 2 }
		]);
		expect(await select(adapter, `SELECT id FROM ${render('pub_seed')} ORDER BY id`)).toEqual([
			{ id: 1 },
			{ id: 2 }
		]);
		for (const identifier of ['pub_table', 'pub_view', 'pub_seed']) {
			expect(await adapter.relationExists(rel(identifier, shadow))).toBe(false);
		}
		// The seed's NOT NULL survived the move.
		await expect(adapter.execute(`INSERT INTO ${render('pub_seed')} (id) VALUES (NULL)`)).rejects.toThrow();
	});

	it('publishes nothing when one pair fails', async () => {
		const { shadow } = target;
		await adapter.buildTable(rel('pub_atomic'), "SELECT 'old' AS version", makeConfig());
		await adapter.buildTable(rel('pub_atomic', shadow), "SELECT 'new' AS version", makeConfig());
		const publishing = adapter.publish([
			{ shadow: rel('pub_atomic', shadow), live: rel('pub_atomic') },
			{ shadow: rel('pub_missing', shadow), live: rel('pub_missing') }
		]);
		await expect(publishing).rejects.toThrow(
			`publishing ${render('pub_missing')}: its shadow ${render('pub_missing', shadow)} does not exist`
		);
		expect(await select(adapter, `SELECT * FROM ${render('pub_atomic')}`)).toEqual([{ version: 'old' }]);
		expect(await adapter.relationExists(rel('pub_atomic', shadow))).toBe(true);
	});

	it('records data versions 1, 2, …', async () => {
		expect(await adapter.currentDataVersion()).toBe(0);
		const entry = { publishedAt: '2024-03-01T02:00:00.000Z', invocationId: 'inv-1', relations: ['a.b'] };
		expect(await adapter.recordDataVersion(entry)).toBe(1);
		expect(await adapter.recordDataVersion({ ...entry, invocationId: 'inv-2', relations: [] })).toBe(2);
		expect(await adapter.currentDataVersion()).toBe(2);
	});

	it('leaves the caller’s knex open on close', async () => {
		await adapter.close();
		expect(await target.db.raw('SELECT 1 AS one')).toBeTruthy();
	});
}

describe('knex adapter on SQLite', () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knex-adapter-'));
	const file = path.join(dir, 'warehouse.sqlite');
	const openSqlite = (filename: string, pool = { min: 1, max: 1 }) =>
		knex({ client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true, pool });
	const opened: Knex[] = [];
	const track = (db: Knex) => (opened.push(db), db);

	defineSharedSuite(async () => {
		const db = track(openSqlite(file));
		const adapter = await createKnexAdapter(db);
		return { db, adapter, staging: 'staging', shadow: 'staging__shadow' };
	});

	/** Names of the tables and views in the main database, sorted. */
	const listRelations = async (db: Knex) =>
		(
			(await db.raw("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")) as {
				name: string;
			}[]
		).map((row) => row.name);

	it('keeps every schema in the main database as a prefix of table names', async () => {
		const db = track(openSqlite(file));
		const adapter = await createKnexAdapter(db);
		expect(adapter.renderRelation({ schema: 'main', identifier: 'areas' })).toBe('"areas"');
		expect(adapter.renderRelation({ schema: 'staging', identifier: 'areas' })).toBe('"staging__areas"');
		expect(adapter.renderRelation({ schema: 'stg__x', identifier: 'a__b' })).toBe('"stg__x__a__b"');
		const names = await listRelations(db);
		expect(names).toEqual(expect.arrayContaining(['staging__seed_areas', 'meta__data_versions']));
		expect(names.filter((name) => name.includes('__dbt_'))).toEqual([]);
		// No file beside the main one but SQLite's own journal.
		expect(fs.readdirSync(dir).filter((name) => !name.startsWith('warehouse.sqlite'))).toEqual([]);
	});

	it('maps the default schema it was given to bare names', async () => {
		const db = track(openSqlite(':memory:'));
		const adapter = await createKnexAdapter(db, { defaultSchema: 'analytics' });
		expect(adapter.defaultSchema).toBe('analytics');
		expect(adapter.renderRelation({ schema: 'analytics', identifier: 't' })).toBe('"t"');
		expect(adapter.renderRelation({ schema: 'main', identifier: 't' })).toBe('"main__t"');
		await adapter.buildTable({ schema: 'analytics', identifier: 't' }, 'SELECT 1 AS id', makeConfig());
		expect(await adapter.query('SELECT id FROM "t"')).toEqual([{ id: 1 }]);
	});

	it('sees the relations of earlier runs, on any connection of any pool', async () => {
		const db = track(openSqlite(file, { min: 0, max: 3 }));
		const adapter = await createKnexAdapter(db);
		expect(adapter.defaultSchema).toBe('main');
		expect(adapter.supportsConcurrency).toBe(false);
		expect(await adapter.currentDataVersion()).toBe(2);
		const reads = Array.from({ length: 6 }, () =>
			adapter.query('SELECT COUNT(*) AS n FROM "staging__seed_areas"')
		);
		expect(await Promise.all(reads)).toEqual(Array(6).fill([{ n: 40_000 }]));
	});

	it('refuses an in-memory database in a pool of more than one connection', async () => {
		const db = track(openSqlite(':memory:', { min: 0, max: 2 }));
		await expect(createKnexAdapter(db)).rejects.toThrow('its knex pool must be { min: 1, max: 1 }');
	});

	it('builds schemas of an in-memory database', async () => {
		const db = track(openSqlite(':memory:'));
		const adapter = await createKnexAdapter(db);
		await adapter.buildTable({ schema: 'marts', identifier: 't' }, 'SELECT 1 AS id', makeConfig());
		expect(await adapter.query('SELECT id FROM "marts__t"')).toEqual([{ id: 1 }]);
	});

	it('builds a view in one schema over a table in another, in more schemas than SQLite attaches', async () => {
		const db = track(openSqlite(':memory:'));
		const adapter = await createKnexAdapter(db);
		const seed: Relation = { schema: 'main_raw', identifier: 'raw_areas' };
		const columns: SeedColumn[] = [{ name: 'code', type: 'integer', nullable: false }];
		await adapter.loadSeed(seed, columns, [['1'], ['2']], makeConfig({ materialized: 'seed' }));
		// What used to fail: "view … cannot reference objects in database main_raw".
		const view: Relation = { schema: 'main_staging', identifier: 'stg_areas' };
		await adapter.buildView(
			view,
			`SELECT code * 10 AS code FROM ${adapter.renderRelation(seed)}`,
			makeConfig()
		);
		expect(await adapter.query(`SELECT code FROM ${adapter.renderRelation(view)} ORDER BY code`)).toEqual([
			{ code: 10 },
			{ code: 20 }
		]);
		// Twelve schemas, one table each, read by one view: attached databases stopped at ten.
		const parts = Array.from({ length: 12 }, (_, i): Relation => ({ schema: `part_${i}`, identifier: 't' }));
		for (const [i, part] of parts.entries()) {
			await adapter.buildTable(part, `SELECT ${i} AS n FROM ${adapter.renderRelation(view)}`, makeConfig());
		}
		const union = parts.map((part) => `SELECT n FROM ${adapter.renderRelation(part)}`).join(' UNION ALL ');
		const total: Relation = { schema: 'marts', identifier: 'parts' };
		await adapter.buildView(total, union, makeConfig());
		expect(await adapter.query(`SELECT SUM(n) AS n FROM ${adapter.renderRelation(total)}`)).toEqual([
			{ n: 2 * 66 }
		]);
	});

	it('publishes a shadow-schema table by renaming it to its live name', async () => {
		const db = track(openSqlite(':memory:'));
		const adapter = await createKnexAdapter(db);
		const live: Relation = { schema: 'marts', identifier: 'orders' };
		const shadow: Relation = { schema: 'marts__shadow', identifier: 'orders' };
		await adapter.buildTable(live, "SELECT 'old' AS version", makeConfig());
		// A view outside the publish that reads the live table: it must read the new one afterwards.
		const report: Relation = { schema: 'reports', identifier: 'orders_report' };
		await adapter.buildView(report, `SELECT version FROM ${adapter.renderRelation(live)}`, makeConfig());
		await adapter.loadSeed(
			shadow,
			[{ name: 'version', type: 'string', nullable: false }],
			[['new']],
			makeConfig()
		);
		await adapter.publish([{ shadow, live }]);
		const names = await listRelations(db);
		expect(names).toEqual(['marts__orders', 'reports__orders_report']);
		expect(await adapter.query('SELECT version FROM "reports__orders_report"')).toEqual([{ version: 'new' }]);
		// Renamed, not copied: the declared NOT NULL came along.
		await expect(adapter.execute('INSERT INTO "marts__orders" (version) VALUES (NULL)')).rejects.toThrow(
			/NOT NULL/
		);
	});

	it('refuses a schema name that is not letters, digits and underscores', async () => {
		const db = track(openSqlite(':memory:'));
		const adapter = await createKnexAdapter(db);
		await expect(adapter.ensureSchema('bad-name')).rejects.toThrow(
			'use only letters, digits and underscores'
		);
		await expect(
			adapter.buildTable({ schema: 'bad.name', identifier: 't' }, 'SELECT 1 AS id', makeConfig())
		).rejects.toThrow(/^building "bad\.name__t": SQLite schema "bad\.name" cannot be used/);
		await expect(createKnexAdapter(db, { defaultSchema: 'a b' })).rejects.toThrow('SQLite schema "a b"');
	});

	it('says how to name a relation of another schema in hand-written SQL', async () => {
		const db = track(openSqlite(file));
		const adapter = await createKnexAdapter(db);
		await expect(
			adapter.buildView(
				{ schema: 'marts', identifier: 'v' },
				'SELECT * FROM "staging"."seed_areas"',
				makeConfig()
			)
		).rejects.toThrow('write "staging__<identifier>"');
		await expect(
			adapter.buildTable(
				{ schema: 'marts', identifier: 't' },
				'SELECT * FROM "staging"."seed_areas"',
				makeConfig()
			)
		).rejects.toThrow('write "staging__seed_areas"');
	});

	afterAll(async () => {
		for (const db of opened) await db.destroy();
		fs.rmSync(dir, { recursive: true, force: true });
	});
});

describe.skipIf(!postgresUrl)(
	postgresUrl
		? 'knex adapter on PostgreSQL'
		: 'knex adapter on PostgreSQL (skipped: TEST_POSTGRES_URL not set)',
	() => {
		const prefix = `kx_${randomBytes(5).toString('hex')}`;
		let db: Knex | undefined;

		defineSharedSuite(async () => {
			db = knex({ client: 'pg', connection: postgresUrl, pool: { min: 0, max: 4 } });
			const adapter = await createKnexAdapter(db, { defaultSchema: prefix, metaSchema: `${prefix}_meta` });
			return { db, adapter, staging: `${prefix}_staging`, shadow: `${prefix}_staging__shadow` };
		});

		it('runs in the default schema it was given, and in parallel', async () => {
			const adapter = await createKnexAdapter(db!, { defaultSchema: prefix, metaSchema: `${prefix}_meta` });
			expect(adapter.defaultSchema).toBe(prefix);
			expect(adapter.supportsConcurrency).toBe(true);
			const builds = Array.from({ length: 4 }, (_, i) =>
				adapter.buildTable({ schema: prefix, identifier: `parallel_${i}` }, `SELECT ${i} AS id`, makeConfig())
			);
			expect(await Promise.all(builds)).toEqual(Array(4).fill({ rows: 1 }));
		});

		afterAll(async () => {
			if (!db) return;
			const { rows } = await db.raw('SELECT nspname FROM pg_namespace WHERE starts_with(nspname, ?)', [
				prefix
			]);
			for (const { nspname } of rows as { nspname: string }[]) {
				await db.raw('DROP SCHEMA ?? CASCADE', [nspname]);
			}
			await db.destroy();
		});
	}
);
