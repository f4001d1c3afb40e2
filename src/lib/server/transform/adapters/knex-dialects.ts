/**
 * What differs between SQLite and PostgreSQL under the knex adapter, and nothing else: how a statement
 * runs on the driver's own connection, what a schema is and so how a relation is named, type names,
 * boolean literals, catalog reads and how a relation moves to another schema. `knex.ts` holds every
 * materialization and never asks which engine it is on; each dialect below has the same members, so a
 * third engine copies a shape.
 *
 * Statements go to the driver, not through `knex.raw`: knex rewrites every `?` in a raw statement into
 * a placeholder, and on PostgreSQL that silently turns `'a?'` in a model's SQL into `'a$1'`.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import type { Relation, SeedType } from '../types';

export type RelationKind = 'table' | 'view';

export interface StatementResult {
	rows: Record<string, unknown>[];
	/** Rows an INSERT, UPDATE or DELETE touched; 0 for anything else. */
	changes: number;
}

/** One driver connection, taken from knex's pool for the length of one adapter call. */
export interface Connection {
	/** Runs one statement; `params` fill the dialect's placeholders. */
	run(sql: string, params?: readonly unknown[]): Promise<StatementResult>;
	/** Runs a script that may hold several statements. */
	runScript(sql: string): Promise<void>;
}

/** One relation of a publish, moving from its shadow place to its live one. */
export interface Move {
	from: Relation;
	to: Relation;
}

export interface KnexDialect {
	readonly type: 'sqlite' | 'postgres';
	/** The schema of nodes that set none. */
	readonly defaultSchema: string;
	readonly supportsConcurrency: boolean;
	/** Bound parameters one statement may carry. */
	readonly maxParameters: number;
	/** Opens a write transaction. */
	readonly begin: string;
	/** Appended to every DROP of a relation that may have dependent views. */
	readonly dropDependents: string;
	/** The relation as SQL names it. */
	renderRelation(relation: Relation): string;
	/** The relation's name inside its schema; names of the build's helper tables start with it. */
	nameOf(relation: Relation): string;
	/** A connection-local table, as SQL names it. */
	renderTemporary(name: string): string;
	/** The placeholder of the `index`-th (1-based) parameter. */
	placeholder(index: number): string;
	renderBoolean(value: boolean): string;
	/** The column type of a seed column whose type was inferred from the CSV. */
	mapSeedType(type: SeedType): string;
	/** A seed boolean as the driver should bind it. */
	bindBoolean(value: boolean): boolean | number;
	/** Wraps a raw connection from knex's pool. */
	connect(raw: unknown): Connection;
	createSchema(connection: Connection, schema: string): Promise<void>;
	readKind(connection: Connection, relation: Relation): Promise<RelationKind | undefined>;
	listColumns(connection: Connection, relation: Relation): Promise<string[]>;
	/** Renames a table within its schema, inside the caller's transaction. */
	renameTable(connection: Connection, relation: Relation, identifier: string): Promise<void>;
	/**
	 * Moves a relation to another schema (and name), inside the caller's transaction; `from` is gone
	 * after. `moves` is the whole publish: a moved view that reads one of them reads its new place.
	 */
	moveRelation(
		connection: Connection,
		kind: RelationKind,
		from: Relation,
		to: Relation,
		moves: readonly Move[]
	): Promise<void>;
	/** Advice to add to a driver error's message, or ''. */
	adviseOn(error: unknown): string;
}

export function quoteIdentifier(name: string): string {
	return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."identifier"`: a relation where schemas are namespaces of their own. */
function renderQualified(relation: Relation): string {
	return `${quoteIdentifier(relation.schema)}.${quoteIdentifier(relation.identifier)}`;
}

export function renderKind(kind: RelationKind): string {
	return kind === 'view' ? 'VIEW' : 'TABLE';
}

// ---------------------------------------------------------------------------------------------- SQLite

/** A schema becomes the start of table names, so it is kept to names any tool shows and types plainly. */
const SQLITE_SCHEMA_NAME = /^[A-Za-z0-9_]+$/;
/** Between a schema and an identifier in a table name: `staging` + `orders` is `staging__orders`. */
const SQLITE_SCHEMA_SEPARATOR = '__';
/** A comment, a string or a double-quoted name in a stored view: only the names are rewritten. */
const SQLITE_TOKEN = /--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|'(?:[^']|'')*'|"((?:[^"]|"")*)"/g;
/** The start of a stored `CREATE VIEW <name>`, the name quoted or bare. */
const SQLITE_VIEW_HEADER = /^CREATE\s+VIEW\s+(?:"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|[^\s("]+)/i;

function checkSqliteSchemaName(schema: string): void {
	if (!SQLITE_SCHEMA_NAME.test(schema)) {
		throw new Error(
			`SQLite schema "${schema}" cannot be used: each schema is a prefix of its tables' names, so use ` +
				'only letters, digits and underscores.'
		);
	}
}

function connectSqlite(raw: unknown): Connection {
	const db = raw as BetterSqlite3.Database;
	return {
		async run(sql, params = []) {
			const statement = db.prepare(sql);
			if (statement.reader) return { rows: statement.all(params) as Record<string, unknown>[], changes: 0 };
			return { rows: [], changes: statement.run(params).changes };
		},
		async runScript(sql) {
			db.exec(sql);
		}
	};
}

/**
 * SQLite has no schemas, and attached databases would not do: a view may not read another attached
 * database, and a connection holds at most ten. So every schema lives in the one main database as a
 * prefix: `{ schema, identifier }` is the table `"<schema>__<identifier>"`, and the default schema's
 * relations keep their bare `"<identifier>"`, as a plain SQLite file has them. Names that contain `__`
 * themselves are fine; only `{ a, b__c }` and `{ a__b, c }` would share a name. SQLite names ignore
 * case, and so does the comparison with the default schema.
 */
export function createSqliteDialect(defaultSchema = 'main'): KnexDialect {
	checkSqliteSchemaName(defaultSchema);
	const nameOf = ({ schema, identifier }: Relation): string =>
		schema.toLowerCase() === defaultSchema.toLowerCase()
			? identifier
			: `${schema}${SQLITE_SCHEMA_SEPARATOR}${identifier}`;
	const renderRelation = (relation: Relation): string => quoteIdentifier(nameOf(relation));

	/**
	 * Since SQLite 3.26 a rename re-checks every view of the database and fails when one reads a table the
	 * swap has just dropped. The legacy mode renames only the table; views naming it read the new one.
	 */
	const rename = async (connection: Connection, from: Relation, to: Relation): Promise<void> => {
		const { rows } = await connection.run('PRAGMA legacy_alter_table');
		const previous = rows[0]?.legacy_alter_table ? 'ON' : 'OFF';
		await connection.run('PRAGMA legacy_alter_table = ON');
		try {
			await connection.run(`ALTER TABLE ${renderRelation(from)} RENAME TO ${renderRelation(to)}`);
		} finally {
			await connection.run(`PRAGMA legacy_alter_table = ${previous}`);
		}
	};

	return {
		type: 'sqlite',
		defaultSchema,
		// One file, one writer: parallel builds would only queue on SQLite's lock.
		supportsConcurrency: false,
		maxParameters: 32_766,
		// Takes the write lock at once, so a transaction never fails halfway when another writer came first.
		begin: 'BEGIN IMMEDIATE',
		// SQLite views are stored text, bound when read: dropping what they read leaves them in place.
		dropDependents: '',
		renderRelation,
		nameOf,
		renderTemporary: (name) => `"temp".${quoteIdentifier(name)}`,
		placeholder: () => '?',
		renderBoolean: (value) => (value ? '1' : '0'),
		mapSeedType: (type) =>
			({
				integer: 'INTEGER',
				float: 'REAL',
				boolean: 'INTEGER',
				date: 'TEXT',
				datetime: 'TEXT',
				string: 'TEXT'
			})[type],
		bindBoolean: (value) => (value ? 1 : 0),
		connect: connectSqlite,

		async createSchema(_connection, schema) {
			// Nothing to create: a schema exists as soon as a table's name starts with it.
			checkSqliteSchemaName(schema);
		},

		async readKind(connection, relation) {
			const { rows } = await connection.run(
				`SELECT type FROM "main".sqlite_master WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE`,
				[nameOf(relation)]
			);
			return rows[0]?.type as RelationKind | undefined;
		},

		async listColumns(connection, relation) {
			const { rows } = await connection.run(`PRAGMA "main".table_info(${renderRelation(relation)})`);
			return rows.map((row) => String(row.name));
		},

		async renameTable(connection, relation, identifier) {
			await rename(connection, relation, { schema: relation.schema, identifier });
		},

		/**
		 * A table is renamed, which keeps it whole (declared types, NOT NULL, rows) and is undone with the
		 * transaction. SQLite cannot rename a view, so a view is re-created from its stored text, in which
		 * every relation of the publish is renamed to where it is going.
		 */
		async moveRelation(connection, kind, from, to, moves) {
			if (kind === 'table') {
				await rename(connection, from, to);
				return;
			}
			const { rows } = await connection.run(
				`SELECT sql FROM "main".sqlite_master WHERE type = 'view' AND name = ? COLLATE NOCASE`,
				[nameOf(from)]
			);
			const definition = String(rows[0]?.sql ?? '');
			const header = SQLITE_VIEW_HEADER.exec(definition);
			if (!header) throw new Error(`cannot read the definition of ${renderRelation(from)}`);
			const destinations = new Map(moves.map((move) => [nameOf(move.from).toLowerCase(), move.to]));
			const body = definition
				.slice(header[0].length)
				.replace(SQLITE_TOKEN, (token, quoted: string | undefined) => {
					const destination =
						quoted === undefined ? undefined : destinations.get(quoted.replaceAll('""', '"').toLowerCase());
					return destination ? renderRelation(destination) : token;
				});
			await connection.run(`CREATE VIEW ${renderRelation(to)}${body}`);
			await connection.run(`DROP VIEW ${renderRelation(from)}`);
		},

		/**
		 * SQL written by hand may still name a schema the dotted way: a table then reads "no such table:
		 * staging.orders", a view "cannot reference objects in database staging".
		 */
		adviseOn(error) {
			const message = error instanceof Error ? error.message : '';
			const missing =
				/no such table: ([A-Za-z0-9_]+)\.(\S+)/.exec(message) ??
				/cannot reference objects in database ([A-Za-z0-9_]+)/.exec(message);
			if (!missing || ['main', 'temp'].includes(missing[1]!.toLowerCase())) return '';
			const relation = { schema: missing[1]!, identifier: missing[2] ?? '<identifier>' };
			return (
				` (on SQLite a schema is the start of a table's name: write ${renderRelation(relation)}, ` +
				'or let ref() and source() name it)'
			);
		}
	};
}

// ------------------------------------------------------------------------------------------ PostgreSQL

/** SQLSTATEs of a concurrent `CREATE SCHEMA IF NOT EXISTS` that lost the race: the schema exists. */
const PG_SCHEMA_RACE = new Set(['42P06', '23505']);

function connectPostgres(raw: unknown): Connection {
	const client = raw as pg.ClientBase;
	return {
		async run(sql, params = []) {
			const result = await client.query({ text: sql, values: [...params] });
			return { rows: result.rows ?? [], changes: result.rowCount ?? 0 };
		},
		async runScript(sql) {
			// Without parameters pg uses the simple protocol, which accepts several statements.
			await client.query(sql);
		}
	};
}

const postgresMembers: Omit<KnexDialect, 'defaultSchema'> = {
	type: 'postgres',
	supportsConcurrency: true,
	maxParameters: 65_535,
	begin: 'BEGIN',
	// PostgreSQL refuses to drop a relation that views read; like dbt, those views go too, and the run
	// rebuilds them when they are selected (they come after what they read).
	dropDependents: ' CASCADE',
	renderRelation: renderQualified,
	nameOf: (relation) => relation.identifier,
	renderTemporary: (name) => `"pg_temp".${quoteIdentifier(name)}`,
	placeholder: (index) => `$${index}`,
	renderBoolean: (value) => (value ? 'TRUE' : 'FALSE'),
	mapSeedType: (type) =>
		({
			integer: 'BIGINT',
			float: 'DOUBLE PRECISION',
			boolean: 'BOOLEAN',
			date: 'DATE',
			datetime: 'TIMESTAMP',
			string: 'TEXT'
		})[type],
	bindBoolean: (value) => value,
	connect: connectPostgres,

	async createSchema(connection, schema) {
		try {
			await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
		} catch (error) {
			if (!PG_SCHEMA_RACE.has((error as { code?: string }).code ?? '')) throw error;
		}
	},

	async readKind(connection, relation) {
		// information_schema.tables lists views too ('VIEW'); anything else is dropped as a table.
		const { rows } = await connection.run(
			'SELECT table_type FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2',
			[relation.schema, relation.identifier]
		);
		if (!rows[0]) return undefined;
		return rows[0].table_type === 'VIEW' ? 'view' : 'table';
	},

	async listColumns(connection, relation) {
		const { rows } = await connection.run(
			`SELECT column_name FROM information_schema.columns
			WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
			[relation.schema, relation.identifier]
		);
		return rows.map((row) => String(row.column_name));
	},

	async renameTable(connection, relation, identifier) {
		await connection.run(`ALTER TABLE ${renderQualified(relation)} RENAME TO ${quoteIdentifier(identifier)}`);
	},

	/** Views read relations by identity, not by name, so a view moved with what it reads keeps reading it. */
	async moveRelation(connection, kind, from, to) {
		const keyword = renderKind(kind);
		if (from.schema !== to.schema) {
			await connection.run(
				`ALTER ${keyword} ${renderQualified(from)} SET SCHEMA ${quoteIdentifier(to.schema)}`
			);
		}
		if (from.identifier !== to.identifier) {
			const moved = { schema: to.schema, identifier: from.identifier };
			await connection.run(
				`ALTER ${keyword} ${renderQualified(moved)} RENAME TO ${quoteIdentifier(to.identifier)}`
			);
		}
	},

	adviseOn: () => ''
};

/** PostgreSQL has schemas of its own: a relation is `"schema"."identifier"`, as everywhere else. */
export function createPostgresDialect(defaultSchema = 'public'): KnexDialect {
	return { ...postgresMembers, defaultSchema };
}
