/**
 * The ClickHouse adapter: every materialization the runner asks for, as ClickHouse SQL. A schema is a
 * database (Atomic, so `EXCHANGE TABLES` works); a table or seed is built under a temporary name and
 * exchanged with the live one, so readers see the old relation until the new one is complete.
 */
import { incrementalStrategy } from '../node-config';
import { quoteIdentifier, quoteLiteral, tableExists, WarehouseError, type Warehouse } from '../../warehouse';
import type {
	Adapter,
	BuildResult,
	DataVersion,
	IncrementalStrategy,
	NodeConfig,
	Relation,
	SeedColumn,
	SeedRow,
	SeedType
} from '../types';

export interface ClickHouseAdapterOptions {
	/** The database for nodes that set no schema. Default 'analytics'. */
	defaultSchema?: string;
}

/** Suffix of the table a build fills before it is swapped in (dbt's own name, so people recognise it). */
const TMP_SUFFIX = '__dbt_tmp';
/** Suffix of the table an incremental run stages its new rows in. */
const NEW_SUFFIX = '__dbt_new';
/** Seed rows per insert: the embedded engine buffers a whole insert in memory. */
const SEED_BATCH_ROWS = 50_000;
const DATA_VERSIONS: Relation = { schema: 'meta', identifier: 'data_versions' };

const seedTypes: Record<SeedType, string> = {
	integer: 'Int64',
	float: 'Float64',
	boolean: 'Bool',
	date: 'Date',
	datetime: 'DateTime',
	string: 'String'
};

/** `system.tables` engines that are dropped with DROP VIEW (DROP VIEW refuses a table). */
const viewEngines = new Set(['View', 'MaterializedView', 'LiveView', 'WindowView']);

/** Wraps `warehouse`; the caller keeps owning it (`close()` leaves it open). */
export function createClickHouseAdapter(
	warehouse: Warehouse,
	options: ClickHouseAdapterOptions = {}
): Adapter {
	const wh = warehouse;
	const q = quoteIdentifier;
	const render = (relation: Relation) => `${q(relation.schema)}.${q(relation.identifier)}`;
	const sibling = (relation: Relation, suffix: string) => ({
		schema: relation.schema,
		identifier: `${relation.identifier}${suffix}`
	});

	/** The relation's engine name from `system.tables`, or undefined when it does not exist. */
	const readTable = async (
		relation: Relation
	): Promise<{ engine: string; partitionKey: string } | undefined> => {
		const [row] = await wh.query<{ engine: string; partition_key: string }>(
			'SELECT engine, partition_key FROM system.tables WHERE database = {db:String} AND name = {name:String} LIMIT 1',
			{ db: relation.schema, name: relation.identifier }
		);
		return row && { engine: row.engine, partitionKey: row.partition_key };
	};
	const readEngine = async (relation: Relation) => (await readTable(relation))?.engine;

	const listColumns = async (relation: Relation): Promise<string[]> => {
		const rows = await wh.query<{ name: string }>(
			'SELECT name FROM system.columns WHERE database = {db:String} AND table = {name:String} ORDER BY position',
			{ db: relation.schema, name: relation.identifier }
		);
		return rows.map((row) => row.name);
	};

	// A column holds NULL only through Nullable somewhere in its type, or as a Variant, Dynamic or JSON
	// value; anything else holds its type's default instead (and with join_use_nulls a join's missing
	// side is Nullable).
	const columnsThatCannotBeNull = async (relation: Relation): Promise<string[]> => {
		const rows = await wh.query<{ name: string }>(
			`SELECT name FROM system.columns WHERE database = {db:String} AND table = {name:String}
			 AND NOT match(type, '(Nullable|Variant|Dynamic|JSON|Object)[(]|^(Dynamic|JSON)$')`,
			{ db: relation.schema, name: relation.identifier }
		);
		return rows.map((row) => row.name);
	};

	const countRows = async (relation: Relation): Promise<number> => {
		const [row] = await wh.query<{ rows: string }>(`SELECT count() AS rows FROM ${render(relation)}`);
		return Number(row?.rows ?? 0);
	};

	const ensureSchema = async (schema: string): Promise<void> => {
		// Atomic is the default engine, but EXCHANGE TABLES needs it, so say so rather than rely on defaults.
		await wh.command(`CREATE DATABASE IF NOT EXISTS ${q(schema)}${wh.onCluster} ENGINE = Atomic`);
	};

	const dropRelation = async (relation: Relation): Promise<void> => {
		const engine = await readEngine(relation);
		if (engine === undefined) return;
		const kind = viewEngines.has(engine) ? 'VIEW' : engine === 'Dictionary' ? 'DICTIONARY' : 'TABLE';
		// SYNC frees the data now: an Atomic database otherwise keeps a dropped table's parts on disk for
		// 8 minutes, so every rebuild of a big mart would hold twice its size meanwhile.
		await wh.command(`DROP ${kind} IF EXISTS ${render(relation)}${kind === 'TABLE' ? ' SYNC' : ''}`);
	};

	/**
	 * Moves the complete `built` over `target`. EXCHANGE is one atomic rename in an Atomic database, and
	 * (measured on 26.7) it also swaps a table with a view, so a materialization change from view to
	 * table never leaves the name missing either. The old relation, now under `built`'s name, is dropped.
	 */
	const swapIn = async (built: Relation, target: Relation): Promise<void> => {
		if ((await readEngine(target)) === undefined) {
			await wh.command(`RENAME TABLE ${render(built)} TO ${render(target)}`);
			return;
		}
		await wh.command(`EXCHANGE TABLES ${render(built)} AND ${render(target)}`);
		await dropRelation(built);
	};

	const buildTable = async (relation: Relation, sql: string, config: NodeConfig): Promise<BuildResult> => {
		await ensureSchema(relation.schema);
		const tmp = sibling(relation, TMP_SUFFIX);
		// A killed earlier run may have left its half-built table behind.
		await dropRelation(tmp);
		// Create empty, then fill: a CREATE … AS SELECT killed half-way leaves a randomly named table of
		// the engine's own (_tmp_replace_…) that no later build knows to drop; a killed INSERT leaves only
		// `__dbt_tmp`, which the next build drops above.
		await wh.command(`CREATE TABLE ${render(tmp)} ${renderTableClauses(config)} EMPTY AS ${trimSql(sql)}`);
		await wh.command(`INSERT INTO ${render(tmp)} ${trimSql(sql)}`);
		const rows = await countRows(tmp);
		await swapIn(tmp, relation);
		return { rows };
	};

	/**
	 * Stages the model's rows in a copy of the target's structure, then hands it to `apply`. Columns are
	 * taken by the target's names, so a select listing them in another order still lands right; a target
	 * column the select lacks fails the run, as dbt's default `on_schema_change: ignore` does.
	 */
	const stageNewRows = async (
		relation: Relation,
		sql: string,
		apply: (staged: Relation, columns: string[]) => Promise<void>
	): Promise<BuildResult> => {
		const staged = sibling(relation, NEW_SUFFIX);
		const columns = (await listColumns(relation)).map(q).join(', ');
		await dropRelation(staged);
		await wh.command(`CREATE TABLE ${render(staged)} AS ${render(relation)}`);
		try {
			await wh.command(
				`INSERT INTO ${render(staged)} (${columns}) SELECT ${columns} FROM (\n${trimSql(sql)}\n)`
			);
			const rows = await countRows(staged);
			await apply(staged, await listColumns(staged));
			return { rows };
		} finally {
			await dropRelation(staged);
		}
	};

	const insertStaged = async (staged: Relation, target: Relation, columns: string[]) => {
		const list = columns.map(q).join(', ');
		await wh.command(`INSERT INTO ${render(target)} (${list}) SELECT ${list} FROM ${render(staged)}`);
	};

	const strategies: Record<
		IncrementalStrategy,
		(relation: Relation, sql: string, config: NodeConfig) => Promise<BuildResult>
	> = {
		append: (relation, sql) =>
			stageNewRows(relation, sql, (staged, columns) => insertStaged(staged, relation, columns)),

		'delete+insert': (relation, sql, config) => {
			const keys = toList(config.unique_key);
			if (keys.length === 0) throw new Error('incremental_strategy delete+insert needs a unique_key');
			const key = keys.length === 1 ? keys[0] : `(${keys.join(', ')})`;
			return stageNewRows(relation, sql, async (staged, columns) => {
				// A lightweight delete: marks rows deleted at once; mutations_sync makes it finish before the insert.
				await wh.command(
					`DELETE FROM ${render(relation)} WHERE ${key} IN (SELECT ${keys.join(', ')} FROM ${render(staged)})`
				);
				await insertStaged(staged, relation, columns);
			});
		},

		insert_overwrite: (relation, sql, config) => {
			if (toList(config.partition_by).length === 0) {
				throw new Error('incremental_strategy insert_overwrite needs a partition_by');
			}
			return stageNewRows(relation, sql, async (staged) => {
				const partitions = await wh.query<{ partition_id: string }>(
					`SELECT DISTINCT partition_id FROM system.parts
					 WHERE database = {db:String} AND table = {name:String} AND active`,
					{ db: staged.schema, name: staged.identifier }
				);
				// Each REPLACE PARTITION is atomic on its own; partitions the new rows do not touch stay as they were.
				for (const { partition_id } of partitions) {
					await wh.command(
						`ALTER TABLE ${render(relation)} REPLACE PARTITION ID ${quoteLiteral(partition_id)} FROM ${render(staged)}`
					);
				}
			});
		}
	};

	const canAddTo = async (relation: Relation, config: NodeConfig): Promise<boolean> => {
		const existing = await readTable(relation);
		// A view left by an earlier materialization has no rows to add to, and a table partitioned
		// otherwise cannot take the new partitions.
		if (existing === undefined || viewEngines.has(existing.engine)) return false;
		const strategy = incrementalStrategy(config);
		if (strategy !== 'insert_overwrite' || toList(config.partition_by).length === 0) return true;
		return samePartitionKey(existing.partitionKey, renderKey(config.partition_by)!);
	};

	/**
	 * Whether a table's partition key (as system.tables shows it) is the one the config asks for. The
	 * engine stores keys in its own form (quotes dropped, operators bracketed), so both are compared as
	 * its formatter prints them.
	 */
	const samePartitionKey = async (actual: string, wanted: string): Promise<boolean> => {
		const bare = (key: string) => key.replace(/\s+/g, '').replace(/^\((.*)\)$/, '$1');
		if (bare(actual) === bare(wanted)) return true;
		const [row] = await wh.query<{ same: number }>(
			`SELECT formatQuerySingleLine(concat('SELECT ', {actual:String})) =
				formatQuerySingleLine(concat('SELECT ', {wanted:String})) AS same`,
			{ actual, wanted }
		);
		return Boolean(Number(row?.same));
	};

	const buildIncremental = async (
		relation: Relation,
		sql: string,
		config: NodeConfig,
		{ fullRefresh }: { fullRefresh: boolean }
	): Promise<BuildResult> => {
		if (fullRefresh || !(await canAddTo(relation, config))) return buildTable(relation, sql, config);
		const strategy = incrementalStrategy(config);
		if (!Object.hasOwn(strategies, strategy)) {
			throw new Error(
				`Unknown incremental_strategy ${JSON.stringify(strategy)}; ClickHouse supports ${Object.keys(strategies).join(', ')}`
			);
		}
		return strategies[strategy](relation, sql, config);
	};

	const loadSeed = async (
		relation: Relation,
		columns: SeedColumn[],
		rows: SeedRow[],
		config: NodeConfig
	): Promise<BuildResult> => {
		await ensureSchema(relation.schema);
		const tmp = sibling(relation, TMP_SUFFIX);
		const fields = columns.map((column) => {
			const type = mapSeedColumnType(column);
			return { name: column.name, type, convert: selectSeedConverter(type) };
		});
		const definitions = fields.map((field) => `${q(field.name)} ${field.type}`).join(', ');
		await dropRelation(tmp);
		await wh.command(`CREATE TABLE ${render(tmp)} (${definitions}) ${renderTableClauses(config)}`);
		const names = fields.map((field) => field.name);
		for (let start = 0; start < rows.length; start += SEED_BATCH_ROWS) {
			const batch = rows.slice(start, start + SEED_BATCH_ROWS).map((row, offset) =>
				fields.map(({ name, convert }, i) => {
					const text = row[i] ?? null;
					return text === null ? null : convert(text, () => describeCell(name, start + offset));
				})
			);
			await wh.insert(render(tmp), batch, { format: 'JSONCompactEachRow', columns: names });
		}
		await swapIn(tmp, relation);
		return { rows: rows.length };
	};

	const ensureDataVersions = async (): Promise<void> => {
		await ensureSchema(DATA_VERSIONS.schema);
		await wh.command(
			`CREATE TABLE IF NOT EXISTS ${render(DATA_VERSIONS)} (
				version UInt64,
				published_at DateTime64(3, 'UTC'),
				invocation_id String,
				relations Array(String)
			) ENGINE = MergeTree ORDER BY version`
		);
	};

	const readDataVersion = async (): Promise<number> => {
		const [row] = await wh.query<{ version: string }>(
			`SELECT max(version) AS version FROM ${render(DATA_VERSIONS)}`
		);
		return Number(row?.version ?? 0);
	};

	/** Runs `step`, naming `relation` in a WarehouseError's message; the code and type stay as they were. */
	const about = <A extends unknown[], R>(
		verb: string,
		step: (relation: Relation, ...rest: A) => Promise<R>
	): ((relation: Relation, ...rest: A) => Promise<R>) => {
		return async (relation, ...rest) => {
			try {
				return await step(relation, ...rest);
			} catch (err) {
				throw addContext(err, `${verb} ${relation.schema}.${relation.identifier}`);
			}
		};
	};

	return {
		type: 'clickhouse',
		// One process builds one node at a time: the embedded engine serialises queries anyway, and the
		// temporary names (`__dbt_tmp`, `__dbt_new`) assume a single runner.
		supportsConcurrency: false,
		defaultSchema: options.defaultSchema ?? 'analytics',

		quoteIdentifier: q,
		literal: quoteLiteral,
		renderRelation: render,

		ensureSchema,
		relationExists: (relation) => tableExists(wh, relation.schema, relation.identifier),
		listColumns,
		columnsThatCannotBeNull,
		query: (sql) => wh.query<Record<string, unknown>>(sql),
		execute: (sql) => wh.command(sql),

		buildView: about('building view', async (relation: Relation, sql: string) => {
			await ensureSchema(relation.schema);
			// One atomic replace; it replaces a table of the same name too (Atomic databases, measured on 26.7).
			await wh.command(`CREATE OR REPLACE VIEW ${render(relation)} AS ${trimSql(sql)}`);
			return {};
		}),
		buildTable: about('building table', buildTable),
		canAddTo,
		buildIncremental: about('building incremental', buildIncremental),
		loadSeed: about('loading seed', loadSeed),
		dropRelation: about('dropping', dropRelation),
		copyRelation: about('copying', async (from: Relation, to: Relation) => {
			await ensureSchema(to.schema);
			await dropRelation(to);
			// CLONE AS hard-links the source's parts: no row is copied, whatever the table's size.
			await wh.command(`CREATE TABLE ${render(to)} CLONE AS ${render(from)}`);
		}),

		/**
		 * ClickHouse has no multi-table transaction: each swap is atomic for its own table, and the swaps
		 * run back to back, so a reader may briefly see some marts new and others old.
		 */
		async publish(pairs) {
			for (const { shadow, live } of pairs) {
				try {
					await ensureSchema(live.schema);
					await swapIn(shadow, live);
				} catch (err) {
					throw addContext(
						err,
						`publishing ${shadow.schema}.${shadow.identifier} as ${live.schema}.${live.identifier}`
					);
				}
			}
		},

		/** Assumes one publisher at a time (the nightly pipeline): max + 1 is read, then written. */
		async recordDataVersion(entry: Omit<DataVersion, 'version'>): Promise<number> {
			await ensureDataVersions();
			const version = (await readDataVersion()) + 1;
			await wh.insert(render(DATA_VERSIONS), [
				{
					version,
					published_at: entry.publishedAt,
					invocation_id: entry.invocationId,
					relations: entry.relations
				}
			]);
			return version;
		},

		async currentDataVersion(): Promise<number> {
			if (!(await tableExists(wh, DATA_VERSIONS.schema, DATA_VERSIONS.identifier))) return 0;
			return readDataVersion();
		},

		async close(): Promise<void> {
			// The warehouse belongs to the caller, who may still use it.
		}
	};
}

/**
 * `ENGINE = … [PARTITION BY …] ORDER BY … [PRIMARY KEY …] [SETTINGS …]`. The sort key falls back to the
 * unique key, then to `tuple()` (no order): MergeTree needs one. Other engines (Memory, Log) take none.
 */
function renderTableClauses(config: NodeConfig): string {
	const engine = config.engine?.trim() || 'MergeTree';
	if (!/MergeTree/.test(engine)) return `ENGINE = ${engine}`;
	const partitionBy = renderKey(config.partition_by);
	const orderBy = renderKey(config.order_by) ?? renderKey(config.unique_key) ?? 'tuple()';
	const primaryKey = renderKey(config.primary_key);
	const settings = Object.entries(config.settings ?? {}).map(([name, value]) => {
		if (!/^\w+$/.test(name)) throw new Error(`Invalid ClickHouse table setting name: ${name}`);
		return `${name} = ${quoteLiteral(value)}`;
	});
	return [
		`ENGINE = ${engine}`,
		partitionBy && `PARTITION BY ${partitionBy}`,
		`ORDER BY ${orderBy}`,
		primaryKey && `PRIMARY KEY ${primaryKey}`,
		settings.length > 0 && `SETTINGS ${settings.join(', ')}`
	]
		.filter(Boolean)
		.join(' ');
}

/** A key expression from config: a list becomes a tuple; a string is an expression, kept as written. */
function renderKey(value: string | string[] | undefined): string | undefined {
	const parts = toList(value);
	if (parts.length === 0) return undefined;
	return parts.length === 1 ? parts[0] : `(${parts.join(', ')})`;
}

/** Config keys may be a list or one string of comma-separated columns (`unique_key: 'a, b'`). */
function toList(value: string | string[] | undefined): string[] {
	if (value === undefined) return [];
	const items = Array.isArray(value) ? value : splitTopLevel(value);
	return items.map((item) => item.trim()).filter((item) => item !== '');
}

/** Splits on commas outside parentheses, so `toYYYYMM(day), code` is two expressions. */
function splitTopLevel(text: string): string[] {
	const parts: string[] = [];
	let depth = 0;
	let start = 0;
	for (let i = 0; i < text.length; i++) {
		const char = text[i];
		if (char === '(') depth++;
		else if (char === ')') depth--;
		else if (char === ',' && depth === 0) {
			parts.push(text.slice(start, i));
			start = i + 1;
		}
	}
	parts.push(text.slice(start));
	return parts;
}

/** A model's SQL without trailing semicolons, which would end the statement it is embedded in. */
function trimSql(sql: string): string {
	return sql.trim().replace(/(\s*;)+$/, '');
}

function mapSeedColumnType(column: SeedColumn): string {
	if (column.declared) return column.declared;
	const type = seedTypes[column.type];
	return column.nullable ? `Nullable(${type})` : type;
}

type SeedConverter = (text: string, describe: () => string) => unknown;

/**
 * How a CSV text becomes a JSON value for a ClickHouse type (declared ones too): Bool wants a JSON
 * boolean; integers go as numbers while exact and as text beyond 2^53 (ClickHouse reads quoted
 * integers); decimals stay text so no digit is lost; dates, strings and the rest are text.
 */
function selectSeedConverter(type: string): SeedConverter {
	const base = type.replace(/^(?:(?:Nullable|LowCardinality)\()+/, '').replace(/\)+$/, '');
	if (base === 'Bool' || base === 'Boolean') return parseBoolean;
	if (/^U?Int\d+$/.test(base)) {
		return (text) => {
			const value = Number(text);
			return /^\s*[+-]?\d+\s*$/.test(text) && Number.isSafeInteger(value) ? value : text.trim();
		};
	}
	if (/^(?:Float\d+|BFloat16)$/.test(base)) {
		return (text) => {
			const value = Number(text);
			return text.trim() !== '' && Number.isFinite(value) ? value : text.trim();
		};
	}
	if (/^Decimal/.test(base)) return (text) => text.trim();
	return (text) => text;
}

function parseBoolean(text: string, describe: () => string): boolean {
	const value = text.trim().toLowerCase();
	if (value === 'true' || value === '1') return true;
	if (value === 'false' || value === '0') return false;
	throw new Error(`${describe()}: ${JSON.stringify(text)} is not a boolean (true, false, 1 or 0)`);
}

function describeCell(column: string, rowIndex: number): string {
	return `column ${column}, data row ${rowIndex + 1}`;
}

/** Prefixes a WarehouseError's message with what was being done, keeping its code, type and query. */
function addContext(err: unknown, context: string): unknown {
	if (err instanceof WarehouseError) {
		return new WarehouseError(`${context}: ${err.message}`, {
			code: err.code,
			type: err.type,
			serverMessage: err.serverMessage,
			query: err.query,
			cause: err
		});
	}
	if (err instanceof Error) return new Error(`${context}: ${err.message}`, { cause: err });
	return err;
}
