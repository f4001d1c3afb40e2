/**
 * Runs a verb over a dbt-style project on one adapter: seed, run, test, build (seeds, models and
 * tests in graph order; a failed parent skips its descendants), compile, ls and docs; optionally
 * builds publishable models into shadow schemas and swaps them in only when every error-severity
 * test passed. Writes dbt's artifacts to the target path.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { manifestJson, runResultsJson, writeJsonAtomic, type NodeResult } from './artifacts';
import { Compiler } from './compile';
import { ProjectError } from './errors';
import { buildGraph, reach, topologicalOrder, type Graph } from './graph';
import { JinjaRenderer } from './jinja';
import type { Manifest, Node } from './nodes';
import { parseProject } from './parse';
import { loadProjectFiles } from './project';
import { readSeed } from './seeds';
import { selectNodes } from './selection';
import type { Adapter, NodeStatus, Relation } from './types';

export type Verb = 'seed' | 'run' | 'test' | 'build' | 'compile' | 'ls' | 'docs';

export interface TransformOptions {
	projectDir: string;
	verb: Verb;
	select?: string[];
	exclude?: string[];
	/** dbt's --indirect-selection for tests: eager (default), cautious or buildable. */
	indirectSelection?: 'eager' | 'cautious' | 'buildable';
	fullRefresh?: boolean;
	/** Nodes run at once where the adapter allows it. */
	threads?: number;
	/** Overrides of the project's vars (`--vars`). */
	vars?: Record<string, unknown>;
	/** build only: build `publish: true` models into shadow schemas, swap them in if all tests pass. */
	publish?: boolean;
	/** ls only: restrict to resource types. */
	resourceTypes?: string[];
	/** ls only: what to print per node. */
	output?: 'selector' | 'name' | 'path' | 'json';
	/** Progress lines; defaults to nothing. */
	log?: (line: string) => void;
}

export interface TransformOutcome {
	exitCode: 0 | 1;
	results: NodeResult[];
	/** ls: the printed lines. */
	listed: string[];
	/** build --publish: the data version published, if any. */
	dataVersion?: number;
	targetPath: string;
}

const SHADOW_SUFFIX = '__shadow';

export async function runTransform(adapter: Adapter, options: TransformOptions): Promise<TransformOutcome> {
	const log = options.log ?? (() => {});
	const started = performance.now();
	const invocationId = randomUUID();
	const projectDir = path.resolve(options.projectDir);
	const files = loadProjectFiles(projectDir);
	const renderer = new JinjaRenderer(
		{
			vars: { ...files.vars, ...(options.vars ?? {}) },
			docs: files.docs,
			target: { name: 'default', schema: adapter.defaultSchema, type: adapter.type },
			invocationId
		},
		files.macros
	);
	const manifest = parseProject(files, renderer, adapter.defaultSchema);
	renderDescriptions(manifest, renderer);
	const graph = buildGraph(manifest);
	const selected = selectNodes(manifest, graph, {
		select: options.select,
		exclude: options.exclude,
		indirect: options.indirectSelection
	});

	const publishing = options.verb === 'build' && options.publish === true;
	const relationOf = (node: Node): Relation =>
		publishing && node.config.publish && node.relation
			? { schema: `${node.relation.schema}${SHADOW_SUFFIX}`, identifier: node.relation.identifier }
			: node.relation!;
	const incremental = new Map<string, boolean>();
	const compiler = new Compiler(manifest, renderer, adapter, {
		relationOf,
		isIncremental: (node) => incremental.get(node.uniqueId) ?? false
	});
	const compiled = new Map<string, string>();
	const artifactsMeta = { invocationId, adapterType: adapter.type, generatedAt: new Date().toISOString() };
	const renderRelationOf = (id: string) => {
		const node = manifest.nodes.get(id)!;
		return node.relation && node.config.materialized !== 'ephemeral'
			? adapter.renderRelation(node.resourceType === 'source' ? node.relation : relationOf(node))
			: undefined;
	};
	const writeManifest = () =>
		writeJsonAtomic(
			path.join(files.targetPath, 'manifest.json'),
			manifestJson(manifest, graph, artifactsMeta, compiled, renderRelationOf)
		);
	const outcome: TransformOutcome = { exitCode: 0, results: [], listed: [], targetPath: files.targetPath };

	if (options.verb === 'ls') {
		outcome.listed = listNodes(manifest, selected, options);
		for (const line of outcome.listed) log(line);
		writeManifest();
		return outcome;
	}
	if (options.verb === 'docs') {
		await writeCatalog(manifest, graph, selected, adapter, relationOf, files.targetPath);
		writeManifest();
		log(`Catalogue written to ${path.join(files.targetPath, 'catalog.json')}`);
		return outcome;
	}
	if (options.verb === 'compile') {
		for (const id of topologicalOrder(selected, graph.parents)) {
			const node = manifest.nodes.get(id)!;
			if (node.resourceType !== 'model' && node.resourceType !== 'test') continue;
			if (node.config.materialized === 'incremental') {
				incremental.set(id, !options.fullRefresh && (await adapter.canAddTo(relationOf(node), node.config)));
			}
			const sql = compiler.compile(node);
			compiled.set(id, sql);
			writeCompiled(files.targetPath, files.name, node, sql);
		}
		writeManifest();
		log(`Compiled ${compiled.size} nodes into ${path.join(files.targetPath, 'compiled')}`);
		return outcome;
	}

	const wanted = (node: Node) => {
		switch (options.verb) {
			case 'seed':
				return node.resourceType === 'seed';
			case 'run':
				return node.resourceType === 'model' && node.config.materialized !== 'ephemeral';
			case 'test':
				return node.resourceType === 'test';
			default:
				return node.resourceType !== 'source' && node.config.materialized !== 'ephemeral';
		}
	};
	const executed = [...selected].filter((id) => wanted(manifest.nodes.get(id)!));
	const dependencies = executionDependencies(manifest, graph, executed, options.verb);
	const order = topologicalOrder(executed, dependencies);
	const total = order.length;
	log(
		`Running ${summarise(order.map((id) => manifest.nodes.get(id)!))} on ${adapter.type}${publishing ? ' (publish: shadow build)' : ''}`
	);

	const results = new Map<string, NodeResult>();
	const blocked = new Map<string, string>();
	const ensuredSchemas = new Set<string>();
	const knownColumns = new Map<string, Promise<string[] | undefined>>();
	const nonNullColumns = new Map<string, Promise<Set<string>>>();
	let position = 0;
	const runNode = async (id: string, threadId: string): Promise<NodeResult> => {
		const node = manifest.nodes.get(id)!;
		const index = ++position;
		const blocker = dependencies
			.get(id)!
			.map((d) => blocked.get(d))
			.find(Boolean);
		if (blocker) {
			const result = skipped(node, `skipped because ${blocker} failed`, threadId);
			log(line(index, total, `SKIP ${describe(node, adapter, relationOf)}`, '[SKIP]'));
			return result;
		}
		log(line(index, total, `START ${describe(node, adapter, relationOf)}`, '[RUN]'));
		const result = await executeNode(node, {
			adapter,
			compiler,
			relationOf,
			projectDir,
			fullRefresh: options.fullRefresh ?? false,
			incremental,
			ensuredSchemas,
			knownColumns,
			nonNullColumns,
			manifest,
			threadId
		});
		if (result.compiledSql) {
			compiled.set(id, result.compiledSql);
			writeCompiled(files.targetPath, files.name, node, result.compiledSql);
		}
		log(line(index, total, statusText(node, result, adapter, relationOf), `[${statusTag(result)}]`));
		return result;
	};
	const isBlocking = (result: NodeResult) =>
		result.status === 'error' ||
		result.status === 'skipped' ||
		(result.status === 'fail' && options.verb === 'build');

	const concurrency = adapter.supportsConcurrency ? Math.max(1, options.threads ?? 1) : 1;
	await runInOrder(order, dependencies, concurrency, async (id, threadId) => {
		const result = await runNode(id, threadId);
		results.set(id, result);
		if (isBlocking(result)) {
			// A skipped node passes on the name of the node that really failed.
			const upstream = dependencies
				.get(id)!
				.map((d) => blocked.get(d))
				.find(Boolean);
			blocked.set(id, upstream ?? manifest.nodes.get(id)!.name);
		}
	});

	outcome.results = order.map((id) => results.get(id)!);
	const failed = outcome.results.filter((r) => r.status === 'error' || r.status === 'fail');
	if (publishing) {
		if (failed.length === 0) {
			const pairs = outcome.results
				.map((r) => manifest.nodes.get(r.uniqueId)!)
				.filter((n) => n.resourceType === 'model' && n.config.publish)
				.map((n) => ({ shadow: relationOf(n), live: n.relation! }));
			await adapter.publish(pairs);
			outcome.dataVersion = await adapter.recordDataVersion({
				publishedAt: new Date().toISOString(),
				invocationId,
				relations: pairs.map((p) => adapter.renderRelation(p.live))
			});
			log(`Published ${pairs.length} relations as data version ${outcome.dataVersion}.`);
		} else {
			log(
				`Not published: ${failed.length} node(s) failed (${failed.map((r) => manifest.nodes.get(r.uniqueId)!.name).join(', ')}). The live relations keep their previous data.`
			);
		}
	}
	outcome.exitCode = failed.length > 0 ? 1 : 0;
	const elapsed = (performance.now() - started) / 1000;
	writeManifest();
	writeJsonAtomic(
		path.join(files.targetPath, 'run_results.json'),
		runResultsJson(outcome.results, {
			invocationId,
			generatedAt: new Date().toISOString(),
			elapsedTime: elapsed,
			args: {
				which: options.verb,
				select: options.select ?? [],
				exclude: options.exclude ?? [],
				full_refresh: options.fullRefresh ?? false,
				publish: publishing
			}
		})
	);
	logSummary(log, manifest, outcome.results, elapsed);
	return outcome;
}

interface ExecutionContext {
	adapter: Adapter;
	compiler: Compiler;
	relationOf(node: Node): Relation;
	projectDir: string;
	fullRefresh: boolean;
	incremental: Map<string, boolean>;
	ensuredSchemas: Set<string>;
	/** Columns of relations already checked this run: many tests check the same model. */
	knownColumns: Map<string, Promise<string[] | undefined>>;
	/** The same for the columns whose type cannot hold NULL. */
	nonNullColumns: Map<string, Promise<Set<string>>>;
	manifest: Manifest;
	threadId: string;
}

async function executeNode(node: Node, ctx: ExecutionContext): Promise<NodeResult> {
	const timing: NodeResult['timing'] = [];
	const startedAt = new Date().toISOString();
	const t0 = performance.now();
	const base = { uniqueId: node.uniqueId, threadId: ctx.threadId, timing };
	let compiledSql: string | undefined;
	try {
		const ensureSchema = async (schema: string) => {
			if (ctx.ensuredSchemas.has(schema)) return;
			await ctx.adapter.ensureSchema(schema);
			ctx.ensuredSchemas.add(schema);
		};
		if (node.resourceType === 'seed') {
			const relation = ctx.relationOf(node);
			const data = readSeed(ctx.projectDir, node.path, node.config.column_types ?? {});
			timing.push({ name: 'compile', startedAt, completedAt: new Date().toISOString() });
			await ensureSchema(relation.schema);
			const result = await ctx.adapter.loadSeed(relation, data.columns, data.rows, node.config);
			return finish(base, 'success', `INSERT ${result.rows ?? data.rows.length}`, t0, {
				rowsAffected: result.rows ?? data.rows.length,
				relationName: ctx.adapter.renderRelation(relation)
			});
		}
		if (node.resourceType === 'model') {
			const relation = ctx.relationOf(node);
			if (node.config.materialized === 'incremental') {
				let addTo = !ctx.fullRefresh && (await ctx.adapter.canAddTo(node.relation!, node.config));
				if (relation !== node.relation) {
					// Publishing builds into a shadow: it starts as a copy of the live table, so the night adds
					// its changes to what is published, never to a shadow a failed night left behind.
					if (addTo) {
						await ensureSchema(relation.schema);
						await ctx.adapter.copyRelation(node.relation!, relation);
					} else {
						await ctx.adapter.dropRelation(relation);
					}
				}
				addTo &&= await ctx.adapter.canAddTo(relation, node.config);
				ctx.incremental.set(node.uniqueId, addTo);
			}
			compiledSql = ctx.compiler.compile(node);
			timing.push({ name: 'compile', startedAt, completedAt: new Date().toISOString() });
			await ensureSchema(relation.schema);
			const executeStarted = new Date().toISOString();
			const result =
				node.config.materialized === 'view'
					? await ctx.adapter.buildView(relation, compiledSql, node.config)
					: node.config.materialized === 'table'
						? await ctx.adapter.buildTable(relation, compiledSql, node.config)
						: await ctx.adapter.buildIncremental(relation, compiledSql, node.config, {
								// As compiled: is_incremental() said whether the SQL adds or builds the whole table.
								fullRefresh: !ctx.incremental.get(node.uniqueId)
							});
			timing.push({ name: 'execute', startedAt: executeStarted, completedAt: new Date().toISOString() });
			const verb =
				node.config.materialized === 'view'
					? 'CREATE VIEW'
					: node.config.materialized === 'table'
						? 'SELECT'
						: 'INSERT';
			return finish(base, 'success', result.rows === undefined ? verb : `${verb} ${result.rows}`, t0, {
				rowsAffected: result.rows,
				compiledSql,
				relationName: ctx.adapter.renderRelation(relation)
			});
		}
		// Tests.
		await assertTestedColumnExists(node, ctx);
		compiledSql = ctx.compiler.compile(node);
		timing.push({ name: 'compile', startedAt, completedAt: new Date().toISOString() });
		if (await typeRulesOutNull(node, ctx)) {
			return finish(base, 'pass', "PASS: the column's type cannot hold NULL", t0, {
				failures: 0,
				compiledSql
			});
		}
		const executeStarted = new Date().toISOString();
		const counted = await ctx.adapter.query(
			`select count(*) as failures from (\n${compiledSql}\n) dbt_internal_test`
		);
		const failures = Number(Object.values(counted[0] ?? {})[0] ?? 0);
		let message = 'PASS';
		let status: NodeStatus = 'pass';
		if (failures > 0) {
			const sample = await ctx.adapter.query(`select * from (\n${compiledSql}\n) dbt_internal_test limit 5`);
			status = node.test!.severity === 'warn' ? 'warn' : 'fail';
			message = `Got ${failures} failing row${failures === 1 ? '' : 's'}, e.g. ${sample.map((r) => JSON.stringify(r)).join(' ')}`;
		}
		timing.push({ name: 'execute', startedAt: executeStarted, completedAt: new Date().toISOString() });
		return finish(base, status, message, t0, { failures, compiledSql });
	} catch (error) {
		return finish(base, 'error', oneLine(error), t0, { compiledSql });
	}
}

/**
 * A not_null test on a column whose type cannot hold NULL passes without a query: the engine would
 * answer it from the type anyway, after planning a read of the relation (about 5 ms a test, and a
 * nightly build has some three hundred).
 */
async function typeRulesOutNull(node: Node, ctx: ExecutionContext): Promise<boolean> {
	const spec = node.test!;
	if (spec.kind !== 'not_null' || !spec.column || !ctx.adapter.columnsThatCannotBeNull) return false;
	const relation = testedRelation(node, ctx);
	const columns = await remembered(ctx.nonNullColumns, ctx.adapter.renderRelation(relation), () =>
		ctx.adapter.columnsThatCannotBeNull!(relation).then((c) => new Set(c))
	);
	return columns.has(spec.column);
}

/** The promise `cache` holds under `key`, made by `load` the first time: one query per relation a run. */
function remembered<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
	let value = cache.get(key);
	if (!value) {
		value = load();
		cache.set(key, value);
	}
	return value;
}

/** The relation a generic test reads: its model's (the shadow in a publish build) or its source's. */
function testedRelation(node: Node, ctx: ExecutionContext): Relation {
	const parent = ctx.manifest.nodes.get(node.test!.attachedTo!)!;
	return parent.resourceType === 'source' ? parent.relation! : ctx.relationOf(parent);
}

/** A generic test on a column that the model does not have is a YAML mistake: say so plainly. */
async function assertTestedColumnExists(node: Node, ctx: ExecutionContext): Promise<void> {
	const spec = node.test!;
	if (spec.kind === 'singular' || !spec.column) return;
	const parent = ctx.manifest.nodes.get(spec.attachedTo!)!;
	const relation = testedRelation(node, ctx);
	const columns = await remembered(ctx.knownColumns, ctx.adapter.renderRelation(relation), async () =>
		(await ctx.adapter.relationExists(relation)) ? ctx.adapter.listColumns(relation) : undefined
	);
	if (!columns) {
		throw new ProjectError(
			`${ctx.adapter.renderRelation(relation)} does not exist; build ${parent.name} before testing it`,
			spec.declaredIn
		);
	}
	if (!columns.includes(spec.column)) {
		throw new ProjectError(
			`column '${spec.column}' of ${parent.name} does not exist (columns: ${columns.join(', ')}). Fix the YAML or the model.`,
			spec.declaredIn
		);
	}
}

function finish(
	base: { uniqueId: string; threadId: string; timing: NodeResult['timing'] },
	status: NodeStatus,
	message: string,
	t0: number,
	extra: Partial<NodeResult> = {}
): NodeResult {
	return { ...base, status, message, executionTime: (performance.now() - t0) / 1000, ...extra };
}

function skipped(node: Node, message: string, threadId: string): NodeResult {
	return { uniqueId: node.uniqueId, status: 'skipped', message, timing: [], executionTime: 0, threadId };
}

/**
 * What each executed node waits for: its parents among the executed nodes and, in a build, the tests
 * of those parents (dbt's build: a model's children wait for its tests). A test is not made to wait
 * for itself: only tests whose every parent is upstream of the node count.
 */
function executionDependencies(
	manifest: Manifest,
	graph: Graph,
	executed: string[],
	verb: Verb
): Map<string, string[]> {
	const inRun = new Set(executed);
	const dependencies = new Map<string, string[]>();
	const testsOf = new Map<string, string[]>();
	if (verb === 'build') {
		for (const id of executed) {
			const node = manifest.nodes.get(id)!;
			if (node.resourceType !== 'test') continue;
			for (const parent of node.dependsOn) testsOf.set(parent, [...(testsOf.get(parent) ?? []), id]);
		}
	}
	for (const id of executed) {
		const ancestors = reach([id], graph.parents);
		const direct = [...ancestors].filter((a) => inRun.has(a));
		const deps = new Set(direct);
		if (verb === 'build' && manifest.nodes.get(id)!.resourceType !== 'test') {
			for (const ancestor of ancestors) {
				for (const test of testsOf.get(ancestor) ?? []) {
					if (manifest.nodes.get(test)!.dependsOn.every((p) => ancestors.has(p))) deps.add(test);
				}
			}
		}
		dependencies.set(id, [...deps]);
	}
	return dependencies;
}

/** Runs tasks after their dependencies, up to `concurrency` at once, in the given order when free. */
async function runInOrder(
	order: string[],
	dependencies: Map<string, string[]>,
	concurrency: number,
	task: (id: string, threadId: string) => Promise<void>
): Promise<void> {
	const done = new Set<string>();
	const pending = [...order];
	const running = new Map<string, Promise<void>>();
	const freeThreads = Array.from({ length: concurrency }, (_, i) => `Thread-${i + 1}`);
	while (pending.length > 0 || running.size > 0) {
		const readyIndex = pending.findIndex((id) => dependencies.get(id)!.every((d) => done.has(d)));
		if (readyIndex >= 0 && running.size < concurrency) {
			const [id] = pending.splice(readyIndex, 1) as [string];
			const threadId = freeThreads.shift()!;
			running.set(
				id,
				task(id, threadId).finally(() => {
					done.add(id);
					running.delete(id);
					freeThreads.push(threadId);
				})
			);
			continue;
		}
		await Promise.race(running.values());
	}
}

function renderDescriptions(manifest: Manifest, renderer: JinjaRenderer): void {
	const noHooks = {
		ref: (name: string) => name,
		source: (s: string, t: string) => `${s}.${t}`,
		config: () => {},
		isIncremental: () => false
	};
	for (const node of manifest.nodes.values()) {
		node.description = renderer.renderText(node.description, node.path, noHooks);
		for (const column of node.columns)
			column.description = renderer.renderText(column.description, node.path, noHooks);
	}
}

function listNodes(manifest: Manifest, selected: Set<string>, options: TransformOptions): string[] {
	const types = options.resourceTypes?.length ? new Set(options.resourceTypes) : undefined;
	return [...selected]
		.map((id) => manifest.nodes.get(id)!)
		.filter((n) => !types || types.has(n.resourceType))
		.sort((a, b) => a.uniqueId.localeCompare(b.uniqueId))
		.map((n) => {
			switch (options.output ?? 'selector') {
				case 'name':
					return n.name;
				case 'path':
					return n.path;
				case 'json':
					return JSON.stringify({
						unique_id: n.uniqueId,
						resource_type: n.resourceType,
						name: n.name,
						path: n.path,
						tags: n.config.tags
					});
				default:
					return n.fqn.join('.');
			}
		});
}

async function writeCatalog(
	manifest: Manifest,
	graph: Graph,
	selected: Set<string>,
	adapter: Adapter,
	relationOf: (node: Node) => Relation,
	targetPath: string
): Promise<void> {
	const nodes: Record<string, unknown> = {};
	for (const node of manifest.nodes.values()) {
		if (!selected.has(node.uniqueId) && node.resourceType !== 'source') continue;
		if (node.resourceType === 'test') continue;
		const relation =
			node.resourceType === 'source'
				? node.relation
				: node.config.materialized === 'ephemeral'
					? undefined
					: relationOf(node);
		const actual =
			relation && (await adapter.relationExists(relation)) ? await adapter.listColumns(relation) : [];
		const documented = new Map(node.columns.map((c) => [c.name, c.description]));
		const columnNames = [...new Set([...actual, ...node.columns.map((c) => c.name)])];
		nodes[node.uniqueId] = {
			unique_id: node.uniqueId,
			resource_type: node.resourceType,
			name: node.name,
			path: node.path,
			relation: relation ? adapter.renderRelation(relation) : null,
			materialized: node.config.materialized,
			description: node.description,
			tags: node.config.tags,
			columns: columnNames.map((name) => ({
				name,
				description: documented.get(name) ?? '',
				in_warehouse: actual.includes(name),
				documented: documented.has(name)
			})),
			parents: graph.parents.get(node.uniqueId) ?? [],
			children: (graph.children.get(node.uniqueId) ?? []).filter(
				(c) => manifest.nodes.get(c)!.resourceType !== 'test'
			),
			tests: (graph.children.get(node.uniqueId) ?? []).filter(
				(c) => manifest.nodes.get(c)!.resourceType === 'test'
			)
		};
	}
	writeJsonAtomic(path.join(targetPath, 'catalog.json'), {
		metadata: {
			generated_at: new Date().toISOString(),
			project_name: manifest.projectName,
			adapter_type: adapter.type
		},
		nodes
	});
}

function writeCompiled(targetPath: string, project: string, node: Node, sql: string): void {
	const file =
		node.resourceType === 'test' && node.test?.kind !== 'singular'
			? path.join(targetPath, 'compiled', project, node.path, `${node.name}.sql`)
			: path.join(targetPath, 'compiled', project, node.path);
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.writeFileSync(file, `${sql.trim()}\n`);
}

// ------------------------------------------------------------------------------------------ output

function line(index: number, total: number, text: string, tag: string): string {
	const time = new Date().toTimeString().slice(0, 8);
	const head = `${time}  ${index} of ${total} ${text} `;
	return `${head}${'.'.repeat(Math.max(3, 80 - head.length))} ${tag}`;
}

function describe(node: Node, adapter: Adapter, relationOf: (node: Node) => Relation): string {
	if (node.resourceType === 'test') return `test ${node.name}`;
	const relation = adapter.renderRelation(relationOf(node));
	if (node.resourceType === 'seed') return `seed file ${relation}`;
	return `sql ${node.config.materialized} model ${relation}`;
}

function statusText(
	node: Node,
	result: NodeResult,
	adapter: Adapter,
	relationOf: (node: Node) => Relation
): string {
	const what = describe(node, adapter, relationOf);
	switch (result.status) {
		case 'success':
			return `OK ${node.resourceType === 'seed' ? 'loaded' : 'created'} ${what}`;
		case 'pass':
			return `PASS ${node.name}`;
		case 'warn':
			return `WARN ${result.failures} ${node.name}`;
		case 'fail':
			return `FAIL ${result.failures} ${node.name}`;
		default:
			return `ERROR ${node.resourceType === 'test' ? 'in' : 'creating'} ${what}`;
	}
}

function statusTag(result: NodeResult): string {
	const seconds = `in ${result.executionTime.toFixed(2)}s`;
	switch (result.status) {
		case 'success':
			return `${result.message} ${seconds}`;
		case 'pass':
			return `PASS ${seconds}`;
		case 'warn':
			return `WARN ${result.failures} ${seconds}`;
		case 'fail':
			return `FAIL ${result.failures} ${seconds}`;
		default:
			return `ERROR ${seconds}`;
	}
}

function summarise(nodes: Node[]): string {
	const counts = new Map<string, number>();
	for (const node of nodes) counts.set(node.resourceType, (counts.get(node.resourceType) ?? 0) + 1);
	return (
		[...counts].map(([type, n]) => `${n} ${type}${n === 1 ? '' : 's'}`).join(', ') ||
		'nothing (the selection is empty)'
	);
}

function logSummary(
	log: (line: string) => void,
	manifest: Manifest,
	results: NodeResult[],
	elapsed: number
): void {
	const count = (status: NodeStatus) => results.filter((r) => r.status === status).length;
	const problems = results.filter((r) => r.status === 'error' || r.status === 'fail' || r.status === 'warn');
	log('');
	log(
		`Finished running ${summarise(results.map((r) => manifest.nodes.get(r.uniqueId)!))} in ${elapsed.toFixed(2)}s.`
	);
	for (const result of problems) {
		const node = manifest.nodes.get(result.uniqueId)!;
		log(
			`  ${result.status.toUpperCase()} ${node.resourceType} ${node.name} (${node.path}): ${result.message}`
		);
	}
	log(
		`Done. PASS=${count('success') + count('pass')} WARN=${count('warn')} ERROR=${count('error') + count('fail')} SKIP=${count('skipped')} TOTAL=${results.length}`
	);
}

function oneLine(error: unknown): string {
	return ((error as Error)?.message ?? String(error))
		.split('\n')
		.map((s) => s.trim())
		.filter(Boolean)
		.join(' ');
}
