/**
 * The relational adapter: every materialization on SQLite (better-sqlite3) and PostgreSQL, run on
 * connections from the caller's knex pool. A table or seed is built under `<name>__dbt_tmp` and swapped
 * in by one transaction (DDL is transactional on both engines), so readers see the old relation or
 * the new one, never neither. What differs between the engines is in `knex-dialects.ts`.
 */
import { incrementalStrategy } from '../node-config';
import type { Knex } from 'knex';
import type {
	Adapter,
	BuildResult,
	IncrementalStrategy,
	NodeConfig,
	Relation,
	SeedColumn,
	SeedRow
} from '../types';
import {
	createPostgresDialect,
	createSqliteDialect,
	quoteIdentifier,
	renderKind,
	type Connection,
	type KnexDialect,
	type RelationKind,
	type StatementResult
} from './knex-dialects';

export interface KnexAdapterOptions {
	/**
	 * The schema of nodes that set none: `main` on SQLite, `public` on PostgreSQL by default. On SQLite
	 * its relations keep their bare names; any other schema is a prefix (`knex-dialects.ts`).
	 */
	defaultSchema?: string;
	/**
	 * The schema of `data_versions`, `meta` by default (tests point it at a throwaway schema); on SQLite
	 * that is the table `meta__data_versions`.
	 */
	metaSchema?: string;
}

/**
 * Suffix of the table a build fills before it is swapped in (dbt's own name, so people recognise it).
 * Helper tables are named after the relation's name inside its schema (`dialect.nameOf`): on SQLite
 * that already carries the schema prefix, so `staging.orders` builds `staging__orders__dbt_tmp`.
 */
const TMP_SUFFIX = '__dbt_tmp';
/** Suffix of the temporary table an incremental run stages its new rows in. */
const NEW_SUFFIX = '__dbt_new';
/** Suffix of the temporary table of partition values `insert_overwrite` replaces. */
const PARTITIONS_SUFFIX = '__dbt_partitions';

/** One pooled connection for the length of one adapter call. */
interface Session {
	readonly connection: Connection;
	run(sql: string, params?: readonly unknown[]): Promise<StatementResult>;
	/** Runs `work` in one transaction on this connection; rolls back when it throws. */
	transaction<T>(work: () => Promise<T>): Promise<T>;
	readKind(relation: Relation): Promise<RelationKind | undefined>;
}

/** What an incremental strategy works with; it runs inside the transaction and returns rows inserted. */
interface IncrementalRun {
	session: Session;
	dialect: KnexDialect;
	target: Relation;
	/** The model's SELECT, without a trailing semicolon. */
	select: string;
	/** The target's columns: rows are inserted by name, so a select in another column order lands right. */
	columns: string[];
	config: NodeConfig;
}

/**
 * Wraps the caller's knex, which stays the caller's: `close()` leaves it open. The adapter's type is
 * read from `db.client.config.client` ('better-sqlite3', or 'pg' / 'postgres' / 'postgresql').
 */
export async function createKnexAdapter(db: Knex, options: KnexAdapterOptions = {}): Promise<Adapter> {
	const dialect = selectDialect(db, options.defaultSchema);
	if (dialect.type === 'sqlite') checkSqlitePool(db);
	const { renderRelation } = dialect;
	const dataVersions: Relation = { schema: options.metaSchema ?? 'meta', identifier: 'data_versions' };
	const withSession = createSessions(db, dialect);
	const ensuredSchemas = new Map<string, Promise<void>>();

	const ensureSchema = (schema: string): Promise<void> => {
		let ensured = ensuredSchemas.get(schema);
		if (!ensured) {
			ensured = withSession((session) => dialect.createSchema(session.connection, schema));
			// A failure is not remembered: the next call tries again.
			ensured.catch(() => ensuredSchemas.delete(schema));
			ensuredSchemas.set(schema, ensured);
		}
		return ensured;
	};

	/** Runs one build on its own connection; a failure names the relation before the driver's message. */
	const build = async <T>(relation: Relation, work: (session: Session) => Promise<T>): Promise<T> => {
		try {
			await ensureSchema(relation.schema);
			return await withSession(work);
		} catch (error) {
			throw describeFailure(`building ${renderRelation(relation)}`, error, dialect);
		}
	};

	// Fails now, with the driver's reason, when the database cannot be reached or opened.
	await withSession(async () => {});

	return {
		type: dialect.type,
		supportsConcurrency: dialect.supportsConcurrency,
		defaultSchema: dialect.defaultSchema,
		quoteIdentifier,
		renderRelation,

		literal(value) {
			if (value === null) return 'NULL';
			if (typeof value === 'boolean') return dialect.renderBoolean(value);
			if (typeof value === 'number') {
				if (!Number.isFinite(value)) throw new Error(`${value} has no SQL literal`);
				return String(value);
			}
			return `'${value.replaceAll("'", "''")}'`;
		},

		ensureSchema,

		async relationExists(relation) {
			return (await withSession((session) => session.readKind(relation))) !== undefined;
		},

		async listColumns(relation) {
			return withSession(async (session) => {
				if (!(await session.readKind(relation))) {
					throw new Error(`cannot list the columns of ${renderRelation(relation)}: it does not exist`);
				}
				return dialect.listColumns(session.connection, relation);
			});
		},

		async query(sql) {
			return withSession(async (session) => (await session.run(sql)).rows);
		},

		async execute(sql) {
			await withSession((session) => session.connection.runScript(sql));
		},

		async buildView(relation, sql) {
			return build(relation, async (session) => {
				// Replacing a view whose columns changed fails on PostgreSQL (CREATE OR REPLACE keeps the
				// old columns), so it is dropped and created; in one transaction readers never miss it.
				await session.transaction(async () => {
					await dropIfExists(session, dialect, relation);
					await session.run(`CREATE VIEW ${renderRelation(relation)} AS\n${trimSql(sql)}`);
				});
				return {};
			});
		},

		async buildTable(relation, sql) {
			return build(relation, (session) => buildTableIn(session, dialect, relation, trimSql(sql)));
		},

		async canAddTo(relation) {
			return (await withSession((session) => session.readKind(relation))) === 'table';
		},

		async buildIncremental(relation, sql, config, { fullRefresh }) {
			return build(relation, async (session): Promise<BuildResult> => {
				const select = trimSql(sql);
				// A view of that name (the materialization changed) is replaced like a missing relation.
				if (fullRefresh || (await session.readKind(relation)) !== 'table') {
					return buildTableIn(session, dialect, relation, select);
				}
				const strategy = incrementalStrategy(config);
				const apply = incrementalStrategies[strategy];
				if (!apply) throw new Error(`unknown incremental_strategy "${strategy}"`);
				const columns = await dialect.listColumns(session.connection, relation);
				const rows = await session.transaction(() =>
					apply({ session, dialect, target: relation, select, columns, config })
				);
				return { rows };
			});
		},

		async loadSeed(relation, columns, rows) {
			return build(relation, (session) =>
				swapInTable(session, dialect, relation, async (tmp) => {
					const definitions = columns.map(
						(column) =>
							`${quoteIdentifier(column.name)} ${column.declared ?? dialect.mapSeedType(column.type)}` +
							(column.nullable ? '' : ' NOT NULL')
					);
					await session.run(`CREATE TABLE ${renderRelation(tmp)} (${definitions.join(', ')})`);
					// One transaction for all batches: SQLite would otherwise commit (and sync) each one.
					await session.transaction(() => insertSeedRows(session, dialect, tmp, columns, rows));
				})
			);
		},

		async dropRelation(relation) {
			try {
				await withSession((session) => dropIfExists(session, dialect, relation));
			} catch (error) {
				throw describeFailure(`dropping ${renderRelation(relation)}`, error, dialect);
			}
		},

		async copyRelation(from, to) {
			try {
				await ensureSchema(to.schema);
				await withSession((session) =>
					session.transaction(async () => {
						await dropIfExists(session, dialect, to);
						await session.run(`CREATE TABLE ${renderRelation(to)} AS SELECT * FROM ${renderRelation(from)}`);
					})
				);
			} catch (error) {
				throw describeFailure(`copying ${renderRelation(from)} to ${renderRelation(to)}`, error, dialect);
			}
		},

		async publish(pairs) {
			let current: Relation | undefined;
			try {
				for (const { live } of pairs) await ensureSchema(live.schema);
				const moves = pairs.map(({ shadow, live }) => ({ from: shadow, to: live }));
				await withSession((session) =>
					session.transaction(async () => {
						for (const { shadow, live } of pairs) {
							current = live;
							if (renderRelation(shadow) === renderRelation(live)) {
								throw new Error('the shadow relation is the live one');
							}
							const kind = await session.readKind(shadow);
							if (!kind) throw new Error(`its shadow ${renderRelation(shadow)} does not exist`);
							await dropIfExists(session, dialect, live);
							await dialect.moveRelation(session.connection, kind, shadow, live, moves);
						}
					})
				);
			} catch (error) {
				const action = current ? `publishing ${renderRelation(current)}` : 'publishing';
				throw describeFailure(action, error, dialect);
			}
		},

		async recordDataVersion(entry) {
			const table = renderRelation(dataVersions);
			try {
				await ensureSchema(dataVersions.schema);
				return await withSession(async (session) => {
					// Timestamps are ISO text on both engines (docs/decisions.md, App database).
					await session.run(
						`CREATE TABLE IF NOT EXISTS ${table} (version INTEGER PRIMARY KEY, ` +
							'published_at TEXT NOT NULL, invocation_id TEXT NOT NULL, relations TEXT NOT NULL)'
					);
					const [p1, p2, p3] = [1, 2, 3].map(dialect.placeholder);
					// One statement reads the last version and writes the next; two concurrent publishes cannot
					// both get the same number, the primary key refuses the second.
					const { rows } = await session.run(
						`INSERT INTO ${table} (version, published_at, invocation_id, relations)
						SELECT COALESCE(MAX(version), 0) + 1, CAST(${p1} AS TEXT), CAST(${p2} AS TEXT), CAST(${p3} AS TEXT)
						FROM ${table} RETURNING version`,
						[entry.publishedAt, entry.invocationId, JSON.stringify(entry.relations)]
					);
					return Number(rows[0]?.version);
				});
			} catch (error) {
				throw describeFailure(`recording a data version in ${table}`, error, dialect);
			}
		},

		async currentDataVersion() {
			return withSession(async (session) => {
				if (!(await session.readKind(dataVersions))) return 0;
				const { rows } = await session.run(
					`SELECT COALESCE(MAX(version), 0) AS version FROM ${renderRelation(dataVersions)}`
				);
				return Number(rows[0]?.version ?? 0);
			});
		},

		async close() {
			// The knex and its pool belong to the caller; the adapter holds nothing else open.
		}
	};
}

function selectDialect(db: Knex, defaultSchema: string | undefined): KnexDialect {
	const configured = db.client.config.client;
	const client = typeof configured === 'string' ? configured : String(db.client.driverName);
	if (client === 'better-sqlite3') return createSqliteDialect(defaultSchema);
	if (client === 'pg' || client === 'postgres' || client === 'postgresql') {
		return createPostgresDialect(defaultSchema);
	}
	throw new Error(`The knex adapter runs on the 'better-sqlite3' and 'pg' clients, not '${client}'.`);
}

/**
 * An in-memory SQLite database lives inside one connection: a pool that opens a second connection, or
 * closes the idle one (min 0), would show an empty database. A file database needs nothing of the pool:
 * every schema is in the main database, which each connection opens.
 */
function checkSqlitePool(db: Knex): void {
	const connection = db.client.config.connection as { filename?: unknown } | undefined;
	const filename = typeof connection === 'object' ? connection?.filename : undefined;
	if (typeof filename !== 'string') return;
	if (filename !== '' && filename !== ':memory:' && !filename.includes('mode=memory')) return;
	const pool = { min: 1, max: 1, ...db.client.config.pool };
	if (pool.min !== 1 || pool.max !== 1) {
		throw new Error(
			'An in-memory SQLite database exists only inside its one connection, so its knex pool must be ' +
				`{ min: 1, max: 1 }, not { min: ${pool.min}, max: ${pool.max} }. Use a database file for another pool.`
		);
	}
}

/** Takes one connection from the pool per call; connections hold no state between calls. */
function createSessions(db: Knex, dialect: KnexDialect) {
	return async function withSession<T>(work: (session: Session) => Promise<T>): Promise<T> {
		const raw: unknown = await db.client.acquireConnection();
		const connection = dialect.connect(raw);
		const session: Session = {
			connection,
			run: (sql, params) => connection.run(sql, params),
			readKind: (relation) => dialect.readKind(connection, relation),
			async transaction(work) {
				await connection.run(dialect.begin);
				try {
					const result = await work();
					await connection.run('COMMIT');
					return result;
				} catch (error) {
					// A failed ROLLBACK means the connection broke (pg then marks it for the pool to discard)
					// or SQLite had already ended the transaction itself; the build's error is the one to report.
					await connection.run('ROLLBACK').catch(() => {});
					throw error;
				}
			}
		};
		try {
			return await work(session);
		} finally {
			await db.client.releaseConnection(raw);
		}
	};
}

/** The driver's error under a message that starts with what was being done; `code` is kept for callers. */
function describeFailure(action: string, error: unknown, dialect: KnexDialect): Error {
	const message = error instanceof Error ? error.message : String(error);
	const failure = new Error(`${action}: ${message}${dialect.adviseOn(error)}`, { cause: error });
	const code = (error as { code?: unknown } | null)?.code;
	if (code !== undefined) Object.assign(failure, { code });
	return failure;
}

/** A model's SQL as a subquery or CTAS body: a trailing semicolon would end the statement early. */
function trimSql(sql: string): string {
	return sql.trim().replace(/[;\s]+$/, '');
}

function sibling(relation: Relation, suffix: string): Relation {
	return { schema: relation.schema, identifier: `${relation.identifier}${suffix}` };
}

function toList(value: string | string[] | undefined): string[] {
	if (value === undefined) return [];
	return Array.isArray(value) ? value : [value];
}

function renderColumns(columns: readonly string[]): string {
	return columns.map(quoteIdentifier).join(', ');
}

/** A plain name is a column and is quoted (so its case is kept); anything else is an SQL expression. */
function renderExpression(expression: string): string {
	return /^[A-Za-z_][A-Za-z0-9_]*$/.test(expression) ? quoteIdentifier(expression) : `(${expression})`;
}

/** Drops `relation`, whichever kind it is (each engine refuses DROP VIEW on a table); nothing if absent. */
async function dropIfExists(session: Session, dialect: KnexDialect, relation: Relation): Promise<void> {
	const kind = await session.readKind(relation);
	if (kind) {
		await session.run(
			`DROP ${renderKind(kind)} ${dialect.renderRelation(relation)}${dialect.dropDependents}`
		);
	}
}

async function countRows(session: Session, dialect: KnexDialect, relation: Relation): Promise<number> {
	const { rows } = await session.run(`SELECT COUNT(*) AS row_count FROM ${dialect.renderRelation(relation)}`);
	return Number(rows[0]?.row_count ?? 0);
}

function buildTableIn(session: Session, dialect: KnexDialect, relation: Relation, select: string) {
	return swapInTable(session, dialect, relation, async (tmp) => {
		await session.run(`CREATE TABLE ${dialect.renderRelation(tmp)} AS\n${select}`);
	});
}

/**
 * Fills a table under the temporary name with `fill`, then drops the old relation (table or view) and
 * renames the new table in one short transaction. The slow part runs outside it, so readers of the old
 * relation are not held up while the new one is built.
 */
async function swapInTable(
	session: Session,
	dialect: KnexDialect,
	relation: Relation,
	fill: (tmp: Relation) => Promise<void>
): Promise<BuildResult> {
	const tmp = sibling(relation, TMP_SUFFIX);
	// A killed earlier run may have left its half-built table behind.
	await dropIfExists(session, dialect, tmp);
	try {
		await fill(tmp);
		const rows = await countRows(session, dialect, tmp);
		await session.transaction(async () => {
			await dropIfExists(session, dialect, relation);
			await dialect.renameTable(session.connection, tmp, relation.identifier);
		});
		return { rows };
	} catch (error) {
		// Leave nothing behind; if even this fails, the next build drops it first.
		await dropIfExists(session, dialect, tmp).catch(() => {});
		throw error;
	}
}

const incrementalStrategies: Record<IncrementalStrategy, (run: IncrementalRun) => Promise<number>> = {
	async append({ session, dialect, target, select, columns }) {
		const list = renderColumns(columns);
		const { changes } = await session.run(
			`INSERT INTO ${dialect.renderRelation(target)} (${list})\nSELECT ${list} FROM (\n${select}\n) AS "__dbt_source"`
		);
		return changes;
	},

	async 'delete+insert'(run) {
		const keys = toList(run.config.unique_key);
		if (keys.length === 0) throw new Error('incremental_strategy "delete+insert" needs a unique_key');
		return replaceRows(run, async (fresh) => {
			const target = run.dialect.renderRelation(run.target);
			if (keys.length === 1) {
				const key = quoteIdentifier(keys[0]!);
				await run.session.run(`DELETE FROM ${target} WHERE ${key} IN (SELECT ${key} FROM ${fresh})`);
				return;
			}
			// Row-value IN is not everywhere; EXISTS with one equality per column is.
			const matches = keys
				.map((key) => `"__dbt_new".${quoteIdentifier(key)} = "__dbt_target".${quoteIdentifier(key)}`)
				.join(' AND ');
			await run.session.run(
				`DELETE FROM ${target} AS "__dbt_target"
				WHERE EXISTS (SELECT 1 FROM ${fresh} AS "__dbt_new" WHERE ${matches})`
			);
		});
	},

	async insert_overwrite(run) {
		const partitions = toList(run.config.partition_by);
		if (partitions.length === 0)
			throw new Error('incremental_strategy "insert_overwrite" needs partition_by');
		return replaceRows(run, async (fresh) => {
			const { session, dialect } = run;
			const name = `${dialect.nameOf(run.target)}${PARTITIONS_SUFFIX}`;
			const values = dialect.renderTemporary(name);
			const aliases = partitions.map((_, i) => quoteIdentifier(`__dbt_partition_${i}`));
			const selected = partitions.map((expression, i) => `${renderExpression(expression)} AS ${aliases[i]}`);
			await session.run(
				`CREATE TEMPORARY TABLE ${quoteIdentifier(name)} AS
				SELECT DISTINCT ${selected.join(', ')} FROM ${fresh}`
			);
			// Inside the subquery only the partition columns are the temporary table's, so the expressions'
			// column names resolve to the target's row. A NULL partition is a partition too.
			const matches = partitions
				.map(
					(expression, i) =>
						`"__dbt_values".${aliases[i]} IS NOT DISTINCT FROM ${renderExpression(expression)}`
				)
				.join(' AND ');
			await session.run(
				`DELETE FROM ${dialect.renderRelation(run.target)}
				WHERE EXISTS (SELECT 1 FROM ${values} AS "__dbt_values" WHERE ${matches})`
			);
			await session.run(`DROP TABLE ${values}`);
		});
	}
};

/**
 * Stages the model's rows in a temporary table (it lives in this connection only and is gone if the
 * process dies), lets `remove` delete the target rows they replace (it gets the table's rendered name),
 * then inserts them.
 */
async function replaceRows(run: IncrementalRun, remove: (fresh: string) => Promise<void>): Promise<number> {
	const { session, dialect, target, select, columns } = run;
	const name = `${dialect.nameOf(target)}${NEW_SUFFIX}`;
	const fresh = dialect.renderTemporary(name);
	await session.run(`CREATE TEMPORARY TABLE ${quoteIdentifier(name)} AS\n${select}`);
	await remove(fresh);
	const list = renderColumns(columns);
	const { changes } = await session.run(
		`INSERT INTO ${dialect.renderRelation(target)} (${list}) SELECT ${list} FROM ${fresh}`
	);
	await session.run(`DROP TABLE ${fresh}`);
	return changes;
}

/** Inserts in batches as large as the engine's parameter limit allows. */
async function insertSeedRows(
	session: Session,
	dialect: KnexDialect,
	table: Relation,
	columns: readonly SeedColumn[],
	rows: readonly SeedRow[]
): Promise<void> {
	if (columns.length === 0) return;
	const rowsPerStatement = Math.max(1, Math.floor(dialect.maxParameters / columns.length));
	const insert = `INSERT INTO ${dialect.renderRelation(table)} (${renderColumns(columns.map((column) => column.name))}) VALUES `;
	for (let start = 0; start < rows.length; start += rowsPerStatement) {
		const params: unknown[] = [];
		const tuples: string[] = [];
		rows.slice(start, start + rowsPerStatement).forEach((row, offset) => {
			const index = start + offset;
			if (row.length !== columns.length) {
				throw new Error(`seed row ${index + 1} has ${row.length} values for ${columns.length} columns`);
			}
			const placeholders = columns.map((column, c) => {
				params.push(convertSeedValue(row[c] ?? null, column, dialect, index));
				return dialect.placeholder(params.length);
			});
			tuples.push(`(${placeholders.join(', ')})`);
		});
		await session.run(insert + tuples.join(', '), params);
	}
}

const INTEGER_TEXT = /^[+-]?\d+$/;
const TRUE_TEXT = new Set(['true', '1']);
const FALSE_TEXT = new Set(['false', '0']);

/**
 * A CSV value as the driver binds it. Integers past 2^53 stay text (both engines convert exact digit
 * strings into their 64-bit column); dates and declared types are text the engine casts.
 */
function convertSeedValue(value: string | null, column: SeedColumn, dialect: KnexDialect, index: number) {
	if (value === null || column.declared) return value;
	const fail = (what: string) =>
		new Error(`seed row ${index + 1}, column "${column.name}": ${JSON.stringify(value)} is not ${what}`);
	const text = value.trim();
	switch (column.type) {
		case 'integer': {
			if (!INTEGER_TEXT.test(text)) throw fail('an integer');
			const number = Number(text);
			return Number.isSafeInteger(number) ? number : text;
		}
		case 'float': {
			const number = Number(text);
			if (text === '' || !Number.isFinite(number)) throw fail('a number');
			return number;
		}
		case 'boolean': {
			const lower = text.toLowerCase();
			if (TRUE_TEXT.has(lower)) return dialect.bindBoolean(true);
			if (FALSE_TEXT.has(lower)) return dialect.bindBoolean(false);
			throw fail('a boolean (true, false, 1 or 0)');
		}
		default:
			return value;
	}
}
