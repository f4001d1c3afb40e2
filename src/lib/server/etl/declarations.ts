/**
 * The operational tables the ETL loads, read from the transforms project's sources YAML — the one
 * declaration the ETL and the models share. Each table says where it comes from (connection, table,
 * primary key, cursor, soft-delete flag, business key) and what happens to each column's personal
 * data: keep, drop, hash (HMAC, for counting people distinctly without knowing them) or year (birth
 * dates become birth years).
 */
import path from 'node:path';
import { z } from 'zod';
import { loadProjectFiles, type SourceTable } from '../transform/project';
import { ProjectError } from '../transform/errors';

export const DEFAULT_TRANSFORMS_DIR = path.resolve('transforms');

export type PiiPolicy = 'keep' | 'drop' | 'hash' | 'year';
export type SourceType = 'integer' | 'decimal' | 'string' | 'date' | 'datetime' | 'boolean';

export interface DeclaredColumn {
	name: string;
	type: SourceType;
	nullable: boolean;
	pii: PiiPolicy;
	/** The column holds an area code of this level; the ETL checks it against the area seeds. */
	area?: 'township' | 'community';
	/** Smallest allowed value (amounts ≥ 0). */
	min?: number;
}

export interface DeclaredTable {
	/** The system, e.g. 'elderly': also the connection name (SOURCE_ELDERLY_URL). */
	system: string;
	connection: string;
	/** Table name in the operational database. */
	sourceTable: string;
	/** Where it lands: raw.<identifier> (e.g. raw.elderly__meal_orders). */
	rawSchema: string;
	rawTable: string;
	primaryKey: string;
	cursor: string;
	softDelete?: string;
	/** A business key that must be unique (order numbers…); duplicates go to quarantine. */
	naturalKey?: string;
	columns: DeclaredColumn[];
	file: string;
}

/** How a declared column appears in the raw table. */
export interface RawColumn {
	name: string;
	source: DeclaredColumn;
}

const columnMeta = z.object({
	pii: z.enum(['keep', 'drop', 'hash', 'year']),
	nullable: z.boolean().optional(),
	area: z.enum(['township', 'community']).optional(),
	min: z.number().optional()
});
const tableMeta = z.object({
	source_table: z.string().min(1),
	primary_key: z.string().min(1),
	cursor: z.string().min(1),
	soft_delete: z.string().min(1).optional(),
	natural_key: z.string().min(1).optional()
});
const sourceType = z.enum(['integer', 'decimal', 'string', 'date', 'datetime', 'boolean']);

/** Reads every declared table of the transforms project. Throws a ProjectError naming file and table. */
export function loadDeclarations(transformsDir: string = DEFAULT_TRANSFORMS_DIR): DeclaredTable[] {
	const files = loadProjectFiles(transformsDir);
	return files.sources.filter((s) => s.schema === 'raw').map(toDeclaredTable);
}

function toDeclaredTable(source: SourceTable): DeclaredTable {
	const where = `source ${source.source}.${source.name}`;
	const meta = tableMeta.safeParse(source.meta);
	if (!meta.success) {
		throw new ProjectError(
			`${where}: meta ${describeIssue(meta.error)}; see docs/etl.md for the keys`,
			source.file
		);
	}
	const connection = source.sourceMeta.connection;
	if (typeof connection !== 'string' || !/^[a-z][a-z0-9_]*$/.test(connection)) {
		throw new ProjectError(
			`source ${source.source}: meta.connection must name a connection, e.g. ${source.source}`,
			source.file
		);
	}
	const columns = source.columns.map((column) => {
		const type = sourceType.safeParse(column.data_type);
		if (!type.success) {
			throw new ProjectError(
				`${where}.${column.name}: data_type must be one of ${sourceType.options.join(', ')}, got "${column.data_type ?? ''}"`,
				source.file
			);
		}
		const parsed = columnMeta.safeParse(column.meta);
		if (!parsed.success) {
			throw new ProjectError(
				`${where}.${column.name}: meta ${describeIssue(parsed.error)} (every column needs pii: keep, drop, hash or year)`,
				source.file
			);
		}
		if (parsed.data.pii === 'year' && type.data !== 'date') {
			throw new ProjectError(`${where}.${column.name}: pii: year needs a date column`, source.file);
		}
		return {
			name: column.name,
			type: type.data,
			nullable: parsed.data.nullable ?? false,
			pii: parsed.data.pii,
			area: parsed.data.area,
			min: parsed.data.min
		};
	});
	const table: DeclaredTable = {
		system: source.source,
		connection,
		sourceTable: meta.data.source_table,
		rawSchema: source.schema,
		rawTable: source.identifier,
		primaryKey: meta.data.primary_key,
		cursor: meta.data.cursor,
		softDelete: meta.data.soft_delete,
		naturalKey: meta.data.natural_key,
		columns,
		file: source.file
	};
	for (const key of [table.primaryKey, table.cursor, table.naturalKey]) {
		const column = key && columns.find((c) => c.name === key);
		if (key && !column)
			throw new ProjectError(`${where}: key column '${key}' is not among its columns`, source.file);
		if (column && column.pii !== 'keep') {
			throw new ProjectError(`${where}: key column '${key}' must be kept (pii: keep)`, source.file);
		}
	}
	return table;
}

function describeIssue(error: z.ZodError): string {
	const issue = error.issues[0];
	return issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'is invalid';
}

/** The source columns a table must have: the declared ones, and the soft-delete flag if any. */
export function sourceColumns(table: DeclaredTable): string[] {
	return [...table.columns.map((c) => c.name), ...(table.softDelete ? [table.softDelete] : [])];
}

/**
 * The declared columns an extraction reads and checks: those that reach raw in some form (kept, hashed,
 * reduced to a year). A dropped column is never read, nor checked: names, phones and addresses do not
 * even pass through the ETL, and reading them cost time for nothing.
 */
export function columnsToExtract(table: DeclaredTable): DeclaredColumn[] {
	return table.columns.filter((c) => c.pii !== 'drop');
}

/** The source columns an extraction reads: those of columnsToExtract, and the soft-delete flag if any. */
export function extractedColumns(table: DeclaredTable): string[] {
	return [...columnsToExtract(table).map((c) => c.name), ...(table.softDelete ? [table.softDelete] : [])];
}

/**
 * The raw table's columns: kept columns under their own name, hashed ones as `<name>_hash`, dated ones
 * reduced to a year as `<stem>_year` (birth_date → birth_year); dropped ones are gone.
 */
export function rawColumns(table: DeclaredTable): RawColumn[] {
	return table.columns.flatMap((column): RawColumn[] => {
		switch (column.pii) {
			case 'keep':
				return [{ name: column.name, source: column }];
			case 'hash':
				return [{ name: `${column.name}_hash`, source: column }];
			case 'year':
				return [{ name: `${column.name.replace(/_date$|_on$/, '')}_year`, source: column }];
			case 'drop':
				return [];
		}
	});
}

/** Bookkeeping columns every raw table carries, after the declared ones. */
export const RAW_META_COLUMNS = ['_deleted', '_version', '_loaded_at', '_run_id'] as const;
