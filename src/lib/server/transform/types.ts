/**
 * The dbt-style runner's vocabulary: relations, node configs, the adapter interface every engine
 * implements, and the results the runner reports. Engines differ only behind `Adapter`; everything
 * else (project, Jinja, graph, selection, test semantics, artifacts) is shared.
 */

/** A table or view: `schema` is a ClickHouse database, a PostgreSQL schema, a table-name prefix on SQLite. */
export interface Relation {
	schema: string;
	identifier: string;
}

export type Materialization = 'view' | 'table' | 'incremental' | 'ephemeral';
export type IncrementalStrategy = 'append' | 'delete+insert' | 'insert_overwrite';

/** A model's (or seed's) resolved config, after the cascade project → YAML → `config()` in the file. */
export interface NodeConfig {
	enabled: boolean;
	materialized: Materialization | 'seed';
	/** Custom schema; the target's default schema when unset. */
	schema?: string;
	alias?: string;
	tags: string[];
	/** Built into a shadow schema by `build --publish`, swapped in only when every error-severity test passed. */
	publish: boolean;
	unique_key?: string | string[];
	incremental_strategy?: IncrementalStrategy;
	/** ClickHouse: table engine, e.g. `MergeTree` or `ReplacingMergeTree(updated_at)`. */
	engine?: string;
	order_by?: string | string[];
	partition_by?: string | string[];
	primary_key?: string | string[];
	/** ClickHouse table settings. */
	settings?: Record<string, string | number | boolean>;
	/** Seeds: declared column types (`column_types:` in YAML), engine-specific type names. */
	column_types?: Record<string, string>;
	/** Anything else a project sets; macros may read it through `config.get`. */
	[key: string]: unknown;
}

/** A seed column's type as inferred from the CSV, mapped to a concrete type by each adapter. */
export type SeedType = 'integer' | 'float' | 'boolean' | 'date' | 'datetime' | 'string';

export interface SeedColumn {
	name: string;
	/** Inferred type; ignored when `declared` is set. */
	type: SeedType;
	/** An engine-specific type from `column_types:`, used verbatim. */
	declared?: string;
	nullable: boolean;
}

/** Seed values arrive as text (CSV) or null (empty field); the adapter converts them to its types. */
export type SeedRow = (string | null)[];

export interface BuildResult {
	/** Rows in the built relation (tables, seeds) or inserted (incremental), when the engine can tell. */
	rows?: number;
}

export interface DataVersion {
	version: number;
	publishedAt: string;
	invocationId: string;
	relations: string[];
}

/**
 * One engine. Materialization SQL lives in the adapters and nowhere else. Every build leaves the
 * previous relation in place until the new one is complete (build under a temporary name, then swap).
 */
export interface Adapter {
	readonly type: 'clickhouse' | 'sqlite' | 'postgres';
	/** Whether independent nodes may run at once (`--threads`). */
	readonly supportsConcurrency: boolean;
	/** The schema used when a node sets none. */
	readonly defaultSchema: string;

	quoteIdentifier(name: string): string;
	/** A SQL literal for a value from YAML (accepted_values) or a var. */
	literal(value: string | number | boolean | null): string;
	/** `"schema"."identifier"` (quoted as the engine wants). */
	renderRelation(relation: Relation): string;

	ensureSchema(schema: string): Promise<void>;
	relationExists(relation: Relation): Promise<boolean>;
	/** Column names of an existing relation, in order. */
	listColumns(relation: Relation): Promise<string[]>;
	/**
	 * The columns of an existing relation whose type cannot hold NULL (ClickHouse's non-Nullable types):
	 * a not_null test on one passes without a query. Engines whose columns can always be NULL (views in
	 * SQLite and PostgreSQL) leave it out.
	 */
	columnsThatCannotBeNull?(relation: Relation): Promise<string[]>;
	/** Runs a SELECT and returns its rows as objects (64-bit integers may come back as strings). */
	query(sql: string): Promise<Record<string, unknown>[]>;
	/** Runs a statement that returns nothing. */
	execute(sql: string): Promise<void>;

	buildView(relation: Relation, sql: string, config: NodeConfig): Promise<BuildResult>;
	buildTable(relation: Relation, sql: string, config: NodeConfig): Promise<BuildResult>;
	/**
	 * Whether the relation exists as a table an incremental build can add to under this config (not a
	 * view left by another materialization; for insert_overwrite, partitioned by the same key). This is
	 * what `is_incremental()` answers: a model compiled for adding must never be built as a whole table.
	 */
	canAddTo(relation: Relation, config: NodeConfig): Promise<boolean>;
	/** `fullRefresh` or a missing relation: build as a table. Otherwise apply the strategy. */
	buildIncremental(
		relation: Relation,
		sql: string,
		config: NodeConfig,
		options: { fullRefresh: boolean }
	): Promise<BuildResult>;
	/** Creates the seed table under a temporary name, fills it, swaps it in. */
	loadSeed(
		relation: Relation,
		columns: SeedColumn[],
		rows: SeedRow[],
		config: NodeConfig
	): Promise<BuildResult>;
	dropRelation(relation: Relation): Promise<void>;
	/**
	 * Replaces `to` with a copy of `from`'s rows: a publish build starts an incremental model's shadow
	 * from the live table, so a night applies its changes instead of rebuilding.
	 */
	copyRelation(from: Relation, to: Relation): Promise<void>;

	/** Moves each built shadow relation over its live twin, as atomically as the engine allows. */
	publish(pairs: { shadow: Relation; live: Relation }[]): Promise<void>;
	/** Records a publish in `meta.data_versions` and returns the new version (previous + 1). */
	recordDataVersion(entry: Omit<DataVersion, 'version'>): Promise<number>;
	/** The latest published version, or 0. */
	currentDataVersion(): Promise<number>;

	close(): Promise<void>;
}

export type NodeStatus = 'success' | 'error' | 'skipped' | 'pass' | 'fail' | 'warn';
