/**
 * Reads a dbt-style project from disk: `dbt_project.yml`, models (`.sql`) with their YAML properties,
 * sources, seeds (`.csv`), macros, singular tests and docs blocks. Nothing is compiled here; the
 * result is a plain description the compiler and the graph work from.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { distance } from 'fastest-levenshtein';
import { load as loadYaml } from 'js-yaml';
import { ProjectError } from './errors';

export interface ColumnProperties {
	name: string;
	description: string;
	/** Generic tests declared on the column (`tests:` or `data_tests:`), as written. */
	tests: unknown[];
	/** Seeds: a declared type; sources: the type the ETL loads. */
	data_type?: string;
	/** Free-form properties for tools (e.g. the ETL's personal-data policy). */
	meta: Record<string, unknown>;
}

export interface NodeProperties {
	description: string;
	config: Record<string, unknown>;
	columns: ColumnProperties[];
	/** Model-level generic tests. */
	tests: unknown[];
	/** The YAML file and line that declared these properties. */
	file: string;
	line?: number;
}

export interface ModelFile {
	name: string;
	/** Relative to the project directory, with forward slashes. */
	path: string;
	/** [project, ...folders under the model path, name]: the config cascade's key path. */
	fqn: string[];
	sql: string;
	properties?: NodeProperties;
}

export interface SeedFile {
	name: string;
	path: string;
	fqn: string[];
	properties?: NodeProperties;
}

export interface SourceTable {
	source: string;
	name: string;
	/** Defaults to the source's schema, then the source's name. */
	schema: string;
	identifier: string;
	description: string;
	columns: ColumnProperties[];
	tests: unknown[];
	meta: Record<string, unknown>;
	/** The source's own `meta:` (e.g. which connection the ETL reads it from). */
	sourceMeta: Record<string, unknown>;
	/** Table-level properties other than the standard ones (loaders, policies), for tools like the ETL. */
	extra: Record<string, unknown>;
	file: string;
}

export interface SingularTestFile {
	name: string;
	path: string;
	sql: string;
}

export interface MacroFile {
	path: string;
	source: string;
}

export interface ProjectFiles {
	name: string;
	dir: string;
	targetPath: string;
	vars: Record<string, unknown>;
	/** The `models:` and `seeds:` config blocks of dbt_project.yml, keyed by project name. */
	modelConfigs: Record<string, unknown>;
	seedConfigs: Record<string, unknown>;
	models: ModelFile[];
	seeds: SeedFile[];
	sources: SourceTable[];
	singularTests: SingularTestFile[];
	macros: MacroFile[];
	/** `{% docs name %}` blocks. */
	docs: Map<string, string>;
}

const DEFAULTS = {
	'model-paths': ['models'],
	'seed-paths': ['seeds'],
	'test-paths': ['tests'],
	'macro-paths': ['macros'],
	'target-path': 'target'
} as const;

function projectPaths(project: Record<string, unknown> | null, key: keyof typeof DEFAULTS): string[] {
	const value = project?.[key] ?? DEFAULTS[key];
	return Array.isArray(value) ? value.map(String) : [String(value)];
}

/**
 * A digest of everything a build reads: dbt_project.yml and the files under its model, seed, test and
 * macro paths. The same digest means the same models, tests and seeds.
 */
export function projectFingerprint(dir: string): string {
	const projectFile = path.join(dir, 'dbt_project.yml');
	const project = readYaml(projectFile, dir) as Record<string, unknown> | null;
	const roots = (['model-paths', 'seed-paths', 'test-paths', 'macro-paths'] as const).flatMap((key) =>
		projectPaths(project, key)
	);
	const hash = createHash('sha256');
	for (const file of [projectFile, ...roots.flatMap((root) => [...walk(path.resolve(dir, root))])]) {
		hash.update(relative(dir, file)).update('\0').update(fs.readFileSync(file)).update('\0');
	}
	return hash.digest('hex');
}

export function loadProjectFiles(dir: string): ProjectFiles {
	const projectFile = path.join(dir, 'dbt_project.yml');
	if (!fs.existsSync(projectFile)) {
		throw new ProjectError(
			`no dbt_project.yml in ${dir}. Pass --project-dir pointing at a dbt-style project.`
		);
	}
	const project = readYaml(projectFile, dir) as Record<string, unknown> | null;
	const name = project?.name;
	if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
		throw new ProjectError(
			'`name:` must be set to a project name of letters, digits and _',
			'dbt_project.yml'
		);
	}
	const paths = (key: keyof typeof DEFAULTS) => projectPaths(project, key);
	const files: ProjectFiles = {
		name,
		dir,
		targetPath: path.resolve(dir, paths('target-path')[0]!),
		vars: (project?.vars as Record<string, unknown>) ?? {},
		modelConfigs: (project?.models as Record<string, unknown>) ?? {},
		seedConfigs: (project?.seeds as Record<string, unknown>) ?? {},
		models: [],
		seeds: [],
		sources: [],
		singularTests: [],
		macros: [],
		docs: new Map()
	};

	const modelProperties = new Map<string, NodeProperties>();
	const seedProperties = new Map<string, NodeProperties>();
	for (const root of paths('model-paths')) {
		for (const file of walk(path.join(dir, root))) {
			const rel = relative(dir, file);
			if (file.endsWith('.sql')) {
				const modelName = path.basename(file, '.sql');
				const folders = path
					.relative(path.join(dir, root), path.dirname(file))
					.split(path.sep)
					.filter(Boolean);
				files.models.push({
					name: modelName,
					path: rel,
					fqn: [name, ...folders, modelName],
					sql: read(file)
				});
			} else if (/\.ya?ml$/.test(file)) {
				readProperties(file, dir, files, modelProperties, seedProperties);
			} else if (file.endsWith('.md')) {
				readDocs(file, dir, files.docs);
			}
		}
	}
	for (const root of paths('seed-paths')) {
		for (const file of walk(path.join(dir, root))) {
			if (file.endsWith('.csv')) {
				const seedName = path.basename(file, '.csv');
				const folders = path
					.relative(path.join(dir, root), path.dirname(file))
					.split(path.sep)
					.filter(Boolean);
				files.seeds.push({ name: seedName, path: relative(dir, file), fqn: [name, ...folders, seedName] });
			} else if (/\.ya?ml$/.test(file)) {
				readProperties(file, dir, files, modelProperties, seedProperties);
			}
		}
	}
	for (const root of paths('macro-paths')) {
		for (const file of walk(path.join(dir, root))) {
			if (file.endsWith('.sql')) files.macros.push({ path: relative(dir, file), source: read(file) });
			else if (file.endsWith('.md')) readDocs(file, dir, files.docs);
		}
	}
	for (const root of paths('test-paths')) {
		for (const file of walk(path.join(dir, root))) {
			if (file.endsWith('.sql')) {
				files.singularTests.push({
					name: path.basename(file, '.sql'),
					path: relative(dir, file),
					sql: read(file)
				});
			}
		}
	}

	rejectDuplicates('model', files.models);
	rejectDuplicates('seed', files.seeds);
	attachProperties('model', files.models, modelProperties);
	attachProperties('seed', files.seeds, seedProperties);
	return files;
}

function readProperties(
	file: string,
	dir: string,
	files: ProjectFiles,
	models: Map<string, NodeProperties>,
	seeds: Map<string, NodeProperties>
): void {
	const rel = relative(dir, file);
	const doc = readYaml(file, dir) as Record<string, unknown> | null;
	if (!doc) return;
	const lines = read(file).split('\n');
	const lineOf = (needle: string) => {
		const index = lines.findIndex((l) => new RegExp(`^\\s*-\\s*name:\\s*['"]?${needle}['"]?\\s*$`).test(l));
		return index >= 0 ? index + 1 : undefined;
	};
	for (const [key, target] of [
		['models', models],
		['seeds', seeds]
	] as const) {
		const entries = doc[key];
		if (entries === undefined) continue;
		if (!Array.isArray(entries))
			throw new ProjectError(`\`${key}:\` must be a list of entries with a name`, rel);
		for (const entry of entries as Record<string, unknown>[]) {
			if (typeof entry?.name !== 'string')
				throw new ProjectError(`every entry under \`${key}:\` needs a \`name:\``, rel);
			if (target.has(entry.name)) {
				throw new ProjectError(
					`${key.slice(0, -1)} '${entry.name}' has properties in two files (also ${target.get(entry.name)!.file}); keep one`,
					rel,
					lineOf(entry.name)
				);
			}
			target.set(entry.name, toProperties(entry, rel, lineOf(entry.name)));
		}
	}
	const sources = doc.sources;
	if (sources !== undefined) {
		if (!Array.isArray(sources)) throw new ProjectError('`sources:` must be a list', rel);
		for (const source of sources as Record<string, unknown>[]) {
			if (typeof source?.name !== 'string') throw new ProjectError('every source needs a `name:`', rel);
			const tables = source.tables;
			if (!Array.isArray(tables))
				throw new ProjectError(`source '${source.name}' needs a \`tables:\` list`, rel);
			for (const table of tables as Record<string, unknown>[]) {
				if (typeof table?.name !== 'string') {
					throw new ProjectError(`every table of source '${source.name}' needs a \`name:\``, rel);
				}
				const {
					name: _name,
					identifier,
					description,
					columns,
					tests,
					data_tests,
					meta,
					...extra
				} = table as Record<string, unknown>;
				files.sources.push({
					source: source.name,
					name: table.name,
					schema: String(source.schema ?? source.name),
					identifier: String(identifier ?? table.name),
					description: String(description ?? ''),
					columns: toColumns(columns, rel),
					tests: asList(data_tests ?? tests),
					meta: (meta as Record<string, unknown>) ?? {},
					sourceMeta: (source.meta as Record<string, unknown>) ?? {},
					extra,
					file: rel
				});
			}
		}
	}
}

function toProperties(entry: Record<string, unknown>, file: string, line?: number): NodeProperties {
	return {
		description: String(entry.description ?? ''),
		config: (entry.config as Record<string, unknown>) ?? {},
		columns: toColumns(entry.columns, file),
		tests: asList(entry.data_tests ?? entry.tests),
		file,
		line
	};
}

function toColumns(columns: unknown, file: string): ColumnProperties[] {
	if (columns === undefined || columns === null) return [];
	if (!Array.isArray(columns))
		throw new ProjectError('`columns:` must be a list of entries with a name', file);
	return columns.map((column: Record<string, unknown>) => {
		if (typeof column?.name !== 'string') throw new ProjectError('every column needs a `name:`', file);
		return {
			name: column.name,
			description: String(column.description ?? ''),
			tests: asList(column.data_tests ?? column.tests),
			data_type: column.data_type === undefined ? undefined : String(column.data_type),
			meta: (column.meta as Record<string, unknown>) ?? {}
		};
	});
}

function asList(value: unknown): unknown[] {
	return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

function attachProperties(
	kind: string,
	nodes: (ModelFile | SeedFile)[],
	properties: Map<string, NodeProperties>
) {
	const names = new Set(nodes.map((n) => n.name));
	for (const [name, props] of properties) {
		if (!names.has(name)) {
			throw new ProjectError(
				`properties for ${kind} '${name}', but no ${kind} of that name exists${closestHint(name, [...names])}. Fix the name or remove the entry.`,
				props.file,
				props.line
			);
		}
	}
	for (const node of nodes) node.properties = properties.get(node.name);
}

function rejectDuplicates(kind: string, nodes: { name: string; path: string }[]) {
	const seen = new Map<string, string>();
	for (const node of nodes) {
		const other = seen.get(node.name);
		if (other) {
			throw new ProjectError(
				`two ${kind}s are named '${node.name}': ${other} and ${node.path}. Rename one.`,
				node.path
			);
		}
		seen.set(node.name, node.path);
	}
}

const DOCS_BLOCK = /{%-?\s*docs\s+([A-Za-z_][A-Za-z0-9_]*)\s*-?%}([\s\S]*?){%-?\s*enddocs\s*-?%}/g;

function readDocs(file: string, dir: string, docs: Map<string, string>) {
	for (const match of read(file).matchAll(DOCS_BLOCK)) {
		if (docs.has(match[1]!))
			throw new ProjectError(`docs block '${match[1]}' is defined twice`, relative(dir, file));
		docs.set(match[1]!, match[2]!.trim());
	}
}

function readYaml(file: string, dir: string): unknown {
	try {
		return loadYaml(read(file));
	} catch (error) {
		const mark = (error as { mark?: { line: number } }).mark;
		const reason = (error as { reason?: string }).reason ?? (error as Error).message;
		throw new ProjectError(`invalid YAML: ${reason}`, relative(dir, file), mark ? mark.line + 1 : undefined, {
			cause: error
		});
	}
}

function* walk(dir: string): Generator<string> {
	if (!fs.existsSync(dir)) return;
	for (const entry of fs
		.readdirSync(dir, { withFileTypes: true })
		.sort((a, b) => a.name.localeCompare(b.name))) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) yield* walk(full);
		else yield full;
	}
}

function read(file: string): string {
	return fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
}

function relative(dir: string, file: string): string {
	return path.relative(dir, file).split(path.sep).join('/');
}

/** ", closest: a, b" for an unknown name, or nothing when there are no candidates. */
export function closestHint(name: string, candidates: string[]): string {
	if (candidates.length === 0) return '';
	const ranked = [...candidates].sort((a, b) => distance(name, a) - distance(name, b)).slice(0, 3);
	return ` (closest: ${ranked.join(', ')})`;
}
