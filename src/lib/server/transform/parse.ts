/**
 * Turns the project's files into a manifest: configs resolved through the cascade, dependencies
 * discovered by rendering each model once (as dbt's parser does: `is_incremental()` is false then),
 * generic tests expanded from YAML, unknown refs reported with the closest names.
 */
import { createHash } from 'node:crypto';
import { ProjectError } from './errors';
import type { JinjaRenderer } from './jinja';
import { configFromProjectBlock, defaultConfig, mergeConfig } from './node-config';
import type { GenericTestName, Manifest, Node, TestSpec } from './nodes';
import { closestHint, type ColumnProperties, type ProjectFiles, type SourceTable } from './project';
import type { NodeConfig } from './types';

const GENERIC_TESTS = new Set<GenericTestName>(['unique', 'not_null', 'accepted_values', 'relationships']);

export function parseProject(files: ProjectFiles, renderer: JinjaRenderer, defaultSchema: string): Manifest {
	const manifest: Manifest = {
		projectName: files.name,
		nodes: new Map(),
		refs: new Map(),
		sources: new Map()
	};
	/**
	 * dbt's schema naming: a project macro `generate_schema_name(custom_schema_name, node)` decides when
	 * defined; otherwise the target schema, suffixed `_<custom>` for a custom schema.
	 */
	const schemaFor = (custom: string | undefined, name: string, file: string): string => {
		const decided = renderer.callMacro('generate_schema_name', [custom ?? null, { name }], file);
		if (decided !== undefined) return decided;
		return custom ? `${defaultSchema}_${custom}` : defaultSchema;
	};
	const noHooks = {
		ref: (name: string) => name,
		source: (s: string, t: string) => `${s}.${t}`,
		config: () => {},
		isIncremental: () => false
	};
	const pending: { node: Node; refs: string[]; sources: [string, string][] }[] = [];

	for (const seed of files.seeds) {
		const config = mergeConfig(defaultConfig('seed'), [
			...configFromProjectBlock(files.seedConfigs, seed.fqn),
			seed.properties?.config ?? {}
		]);
		config.materialized = 'seed';
		if (config.enabled === false) continue;
		const columnTypes = { ...(config.column_types ?? {}) };
		for (const column of seed.properties?.columns ?? [])
			if (column.data_type) columnTypes[column.name] = column.data_type;
		config.column_types = columnTypes;
		const node: Node = {
			uniqueId: `seed.${files.name}.${seed.name}`,
			resourceType: 'seed',
			name: seed.name,
			path: seed.path,
			fqn: seed.fqn,
			config,
			relation: {
				schema: schemaFor(config.schema, seed.name, seed.path),
				identifier: config.alias ?? seed.name
			},
			dependsOn: [],
			description: seed.properties?.description ?? '',
			columns: seed.properties?.columns ?? []
		};
		manifest.nodes.set(node.uniqueId, node);
		manifest.refs.set(seed.name, node.uniqueId);
	}

	for (const source of files.sources) {
		// Source schemas and identifiers may use Jinja, e.g. schema: "{{ target.schema }}_raw".
		const rendered = {
			...source,
			schema: renderer.renderText(source.schema, source.file, noHooks),
			identifier: renderer.renderText(source.identifier, source.file, noHooks)
		};
		const node = sourceNode(files.name, rendered);
		manifest.nodes.set(node.uniqueId, node);
		manifest.sources.set(`${source.source}.${source.name}`, node.uniqueId);
	}

	for (const model of files.models) {
		const refs: string[] = [];
		const sources: [string, string][] = [];
		const inFile: Record<string, unknown> = {};
		renderer.render(model.sql, model.path, {
			ref: (name) => {
				refs.push(name);
				return `__ref_${name}`;
			},
			source: (source, table) => {
				sources.push([source, table]);
				return `__source_${source}_${table}`;
			},
			config: (values) => Object.assign(inFile, values),
			isIncremental: () => false
		});
		const config = mergeConfig(defaultConfig('model'), [
			...configFromProjectBlock(files.modelConfigs, model.fqn),
			model.properties?.config ?? {},
			inFile
		]);
		if (config.enabled === false) continue;
		validateModelConfig(config, model.path);
		if (manifest.refs.has(model.name)) {
			throw new ProjectError(`a model and a seed are both named '${model.name}'; rename one`, model.path);
		}
		const node: Node = {
			uniqueId: `model.${files.name}.${model.name}`,
			resourceType: 'model',
			name: model.name,
			path: model.path,
			fqn: model.fqn,
			config,
			relation: {
				schema: schemaFor(config.schema, model.name, model.path),
				identifier: config.alias ?? model.name
			},
			rawSql: model.sql,
			dependsOn: [],
			description: model.properties?.description ?? '',
			columns: model.properties?.columns ?? []
		};
		manifest.nodes.set(node.uniqueId, node);
		manifest.refs.set(model.name, node.uniqueId);
		pending.push({ node, refs, sources });
	}

	// A source backed by a table this project builds (a seed, say) must wait for it, or a run with
	// threads could test the source before the seed exists.
	const builtBy = new Map(
		[...manifest.nodes.values()]
			.filter((n) => n.resourceType !== 'source' && n.relation)
			.map((n) => [`${n.relation!.schema}.${n.relation!.identifier}`, n.uniqueId])
	);
	for (const node of manifest.nodes.values()) {
		const builder =
			node.resourceType === 'source'
				? builtBy.get(`${node.relation!.schema}.${node.relation!.identifier}`)
				: undefined;
		if (builder) node.dependsOn = [builder];
	}

	for (const { node, refs, sources } of pending) {
		node.dependsOn = unique([
			...refs.map((name) => resolveRef(manifest, name, node.path)),
			...sources.map(([s, t]) => resolveSource(manifest, s, t, node.path))
		]);
	}

	for (const test of files.singularTests) {
		const refs: string[] = [];
		const sources: [string, string][] = [];
		const inFile: Record<string, unknown> = {};
		renderer.render(test.sql, test.path, {
			ref: (name) => (refs.push(name), `__ref_${name}`),
			source: (s, t) => (sources.push([s, t]), `__source_${s}_${t}`),
			config: (values) => Object.assign(inFile, values),
			isIncremental: () => false
		});
		const dependsOn = unique([
			...refs.map((name) => resolveRef(manifest, name, test.path)),
			...sources.map(([s, t]) => resolveSource(manifest, s, t, test.path))
		]);
		addTest(manifest, {
			name: test.name,
			path: test.path,
			rawSql: test.sql,
			dependsOn,
			spec: {
				kind: 'singular',
				args: {},
				severity: severityOf(inFile, test.path),
				declaredIn: test.path
			},
			tags: tagsOf(inFile)
		});
	}

	// Generic tests from the YAML of models, seeds and sources.
	for (const node of [...manifest.nodes.values()]) {
		if (node.resourceType === 'test') continue;
		const declaredIn =
			node.resourceType === 'source'
				? String(node.meta?.file ?? node.path)
				: (files.models.find((m) => m.name === node.name)?.properties?.file ??
					files.seeds.find((s) => s.name === node.name)?.properties?.file ??
					node.path);
		for (const column of node.columns) {
			for (const test of column.tests) addGenericTest(manifest, renderer, node, column, test, declaredIn);
		}
		const modelTests =
			node.resourceType === 'source'
				? ((node.meta?.tests as unknown[]) ?? [])
				: (files.models.find((m) => m.name === node.name)?.properties?.tests ??
					files.seeds.find((s) => s.name === node.name)?.properties?.tests ??
					[]);
		for (const test of modelTests) addGenericTest(manifest, renderer, node, undefined, test, declaredIn);
	}
	return manifest;
}

function sourceNode(project: string, source: SourceTable): Node {
	return {
		uniqueId: `source.${project}.${source.source}.${source.name}`,
		resourceType: 'source',
		name: `${source.source}.${source.name}`,
		path: source.file,
		fqn: [project, source.source, source.name],
		config: { ...defaultConfig('model'), materialized: 'view' },
		relation: { schema: source.schema, identifier: source.identifier },
		dependsOn: [],
		description: source.description,
		columns: source.columns,
		meta: { ...source.extra, meta: source.meta, file: source.file, tests: source.tests }
	};
}

function validateModelConfig(config: NodeConfig, file: string): void {
	const allowed = ['view', 'table', 'incremental', 'ephemeral'];
	if (!allowed.includes(String(config.materialized))) {
		throw new ProjectError(
			`materialized='${String(config.materialized)}' is not supported; use one of ${allowed.join(', ')}`,
			file
		);
	}
	const strategies = ['append', 'delete+insert', 'insert_overwrite'];
	if (
		config.incremental_strategy !== undefined &&
		!strategies.includes(String(config.incremental_strategy))
	) {
		throw new ProjectError(
			`incremental_strategy='${String(config.incremental_strategy)}' is not supported; use one of ${strategies.join(', ')}`,
			file
		);
	}
	if (config.incremental_strategy === 'delete+insert' && !config.unique_key) {
		throw new ProjectError("incremental_strategy='delete+insert' needs a unique_key", file);
	}
	if (config.incremental_strategy === 'insert_overwrite' && !config.partition_by) {
		throw new ProjectError("incremental_strategy='insert_overwrite' needs a partition_by", file);
	}
}

function resolveRef(manifest: Manifest, name: string, file: string): string {
	const id = manifest.refs.get(name);
	if (!id) {
		throw new ProjectError(
			`ref('${name}') names no model or seed${closestHint(name, [...manifest.refs.keys()])}. Fix the name, or add the model.`,
			file
		);
	}
	return id;
}

function resolveSource(manifest: Manifest, source: string, table: string, file: string): string {
	const id = manifest.sources.get(`${source}.${table}`);
	if (!id) {
		throw new ProjectError(
			`source('${source}', '${table}') is not declared${closestHint(`${source}.${table}`, [...manifest.sources.keys()])}. Declare it under sources: in a YAML file.`,
			file
		);
	}
	return id;
}

function addGenericTest(
	manifest: Manifest,
	renderer: JinjaRenderer,
	node: Node,
	column: ColumnProperties | undefined,
	declaration: unknown,
	declaredIn: string
): void {
	const [testName, rawArgs] =
		typeof declaration === 'string'
			? [declaration, {}]
			: (Object.entries(declaration as Record<string, unknown>)[0] ?? ['', {}]);
	if (!GENERIC_TESTS.has(testName as GenericTestName)) {
		throw new ProjectError(
			`unknown test '${testName}' on ${node.name}${column ? `.${column.name}` : ''}; supported: ${[...GENERIC_TESTS].join(', ')}, or a singular test in the test path`,
			declaredIn
		);
	}
	// dbt ≥ 1.10 nests arguments under `arguments:`; older projects put them at the top level.
	const declared = { ...((rawArgs as Record<string, unknown>) ?? {}) };
	const config = { ...((declared.config as Record<string, unknown>) ?? {}) };
	const args: Record<string, unknown> = {
		...declared,
		...((declared.arguments as Record<string, unknown>) ?? {})
	};
	delete args.config;
	delete args.arguments;
	if (args.severity !== undefined) config.severity = args.severity;
	delete args.severity;
	const columnName = column?.name ?? (args.column_name as string | undefined);
	if (!columnName) throw new ProjectError(`test '${testName}' on ${node.name} needs a column`, declaredIn);

	const dependsOn = [node.uniqueId];
	if (testName === 'relationships') {
		if (typeof args.to !== 'string' || typeof args.field !== 'string') {
			throw new ProjectError(
				`relationships test on ${node.name}.${columnName} needs to: (e.g. ref('customers')) and field:`,
				declaredIn
			);
		}
		let target: string | undefined;
		// dbt evaluates `to:` as a Jinja expression: `ref('customers')` without braces.
		const expression = args.to.includes('{{') ? args.to : `{{ ${args.to} }}`;
		renderer.renderText(expression, declaredIn, {
			ref: (name) => ((target = resolveRef(manifest, name, declaredIn)), ''),
			source: (s, t) => ((target = resolveSource(manifest, s, t, declaredIn)), ''),
			config: () => {},
			isIncremental: () => false
		});
		if (!target) throw new ProjectError(`relationships to: must be ref('…') or source('…', '…')`, declaredIn);
		args.to_node = target;
		dependsOn.push(target);
	}
	if (testName === 'accepted_values' && !Array.isArray(args.values)) {
		throw new ProjectError(`accepted_values on ${node.name}.${columnName} needs values: [ … ]`, declaredIn);
	}
	const nameParts = [testName, node.name.replace('.', '_'), columnName];
	if (testName === 'accepted_values') nameParts.push(...(args.values as unknown[]).map(String));
	if (testName === 'relationships') nameParts.push(String(args.field), String(args.to));
	const name = nameParts
		.join('_')
		.replace(/[^A-Za-z0-9_\u4e00-\u9fa5]+/g, '_')
		.replace(/_+$/, '')
		.slice(0, 100);
	addTest(manifest, {
		name,
		path: declaredIn,
		dependsOn,
		spec: {
			kind: testName as GenericTestName,
			attachedTo: node.uniqueId,
			column: columnName,
			args,
			severity: severityOf(config, declaredIn),
			...(config.where === undefined ? {} : { where: whereOf(config.where, declaredIn) }),
			declaredIn
		},
		tags: tagsOf(config)
	});
}

function addTest(
	manifest: Manifest,
	test: { name: string; path: string; rawSql?: string; dependsOn: string[]; spec: TestSpec; tags: string[] }
): void {
	const hash = createHash('sha256')
		.update(JSON.stringify([test.name, test.spec]))
		.digest('hex')
		.slice(0, 10);
	const uniqueId = `test.${manifest.projectName}.${test.name}.${hash}`;
	if (manifest.nodes.has(uniqueId)) return;
	// A generic test carries the tags of the node it is declared on (not of a relationships target);
	// a singular test only its own, or `tag:staging` would pull in every test that reads staging.
	const parentTags = test.spec.attachedTo
		? (manifest.nodes.get(test.spec.attachedTo)?.config.tags ?? [])
		: [];
	manifest.nodes.set(uniqueId, {
		uniqueId,
		resourceType: 'test',
		name: test.name,
		path: test.path,
		fqn: [manifest.projectName, test.name],
		config: { ...defaultConfig('model'), materialized: 'view', tags: unique([...test.tags, ...parentTags]) },
		rawSql: test.rawSql,
		dependsOn: unique(test.dependsOn),
		description: '',
		columns: [],
		test: test.spec
	});
}

function severityOf(config: Record<string, unknown>, file: string): 'error' | 'warn' {
	const severity = String(config.severity ?? 'error').toLowerCase();
	if (severity !== 'error' && severity !== 'warn') {
		throw new ProjectError(`severity must be error or warn, got '${severity}'`, file);
	}
	return severity;
}

function whereOf(where: unknown, file: string): string {
	if (typeof where !== 'string' || where.trim() === '') {
		throw new ProjectError(
			`a test's where: must be a SQL condition in quotes, got ${JSON.stringify(where)}`,
			file
		);
	}
	return where;
}

function tagsOf(config: Record<string, unknown>): string[] {
	const tags = config.tags;
	return tags === undefined ? [] : (Array.isArray(tags) ? tags : [tags]).map(String);
}

function unique<T>(items: T[]): T[] {
	return [...new Set(items)];
}
