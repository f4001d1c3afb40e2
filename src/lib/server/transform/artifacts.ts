/**
 * `target/manifest.json` and `target/run_results.json` in dbt's shape (the fields a dbt user looks
 * for: unique_id, resource_type, depends_on, config, status, timing, message, failures), written
 * atomically so a reader never sees half a file.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Graph } from './graph';
import type { Manifest } from './nodes';
import type { NodeStatus } from './types';

export interface NodeResult {
	uniqueId: string;
	status: NodeStatus;
	message: string;
	/** Failing rows of a test; undefined for other nodes. */
	failures?: number;
	rowsAffected?: number;
	compiledSql?: string;
	relationName?: string;
	timing: { name: 'compile' | 'execute'; startedAt: string; completedAt: string }[];
	executionTime: number;
	threadId: string;
}

export function writeJsonAtomic(file: string, value: unknown): void {
	fs.mkdirSync(path.dirname(file), { recursive: true });
	const temporary = `${file}.tmp-${process.pid}`;
	fs.writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
	fs.renameSync(temporary, file);
}

export function manifestJson(
	manifest: Manifest,
	graph: Graph,
	meta: { invocationId: string; adapterType: string; generatedAt: string },
	compiled: Map<string, string>,
	renderRelation: (id: string) => string | undefined
) {
	const nodes: Record<string, unknown> = {};
	const sources: Record<string, unknown> = {};
	for (const node of manifest.nodes.values()) {
		const entry = {
			unique_id: node.uniqueId,
			resource_type: node.resourceType,
			name: node.name,
			package_name: manifest.projectName,
			original_file_path: node.path,
			path: node.path,
			fqn: node.fqn,
			description: node.description,
			columns: Object.fromEntries(
				node.columns.map((c) => [
					c.name,
					{ name: c.name, description: c.description, data_type: c.data_type ?? null }
				])
			),
			config: node.config,
			tags: node.config.tags,
			depends_on: { nodes: node.dependsOn, macros: [] },
			schema: node.relation?.schema ?? null,
			alias: node.relation?.identifier ?? null,
			relation_name: renderRelation(node.uniqueId) ?? null,
			raw_code: node.rawSql ?? null,
			compiled_code: compiled.get(node.uniqueId) ?? null,
			...(node.test
				? {
						test_metadata:
							node.test.kind === 'singular'
								? null
								: { name: node.test.kind, kwargs: { column_name: node.test.column, ...node.test.args } },
						attached_node: node.test.attachedTo ?? null,
						column_name: node.test.column ?? null
					}
				: {})
		};
		if (node.resourceType === 'source') {
			sources[node.uniqueId] = {
				...entry,
				source_name: node.fqn[1],
				identifier: node.relation?.identifier,
				meta: node.meta ?? {}
			};
		} else {
			nodes[node.uniqueId] = entry;
		}
	}
	return {
		metadata: {
			dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json',
			generated_at: meta.generatedAt,
			invocation_id: meta.invocationId,
			adapter_type: meta.adapterType,
			project_name: manifest.projectName
		},
		nodes,
		sources,
		parent_map: Object.fromEntries(graph.parents),
		child_map: Object.fromEntries(graph.children)
	};
}

export function runResultsJson(
	results: NodeResult[],
	meta: { invocationId: string; generatedAt: string; elapsedTime: number; args: Record<string, unknown> }
) {
	return {
		metadata: {
			dbt_schema_version: 'https://schemas.getdbt.com/dbt/run-results/v6.json',
			generated_at: meta.generatedAt,
			invocation_id: meta.invocationId
		},
		results: results.map((r) => ({
			unique_id: r.uniqueId,
			status: r.status,
			timing: r.timing.map((t) => ({ name: t.name, started_at: t.startedAt, completed_at: t.completedAt })),
			thread_id: r.threadId,
			execution_time: r.executionTime,
			message: r.message,
			failures: r.failures ?? null,
			adapter_response: r.rowsAffected === undefined ? {} : { rows_affected: r.rowsAffected },
			compiled_code: r.compiledSql ?? null,
			relation_name: r.relationName ?? null
		})),
		elapsed_time: meta.elapsedTime,
		args: meta.args
	};
}
