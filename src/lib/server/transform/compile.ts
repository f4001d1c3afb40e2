/**
 * Compiles nodes to the SQL the adapter runs: models rendered with real relation names (ephemeral
 * parents inlined as CTEs), generic tests expanded into queries that select the failing rows.
 */
import { ProjectError } from './errors';
import type { JinjaRenderer } from './jinja';
import type { Manifest, Node } from './nodes';
import type { Adapter, Relation } from './types';

export interface CompileOptions {
	/** Where each node's relation lives in this invocation (shadow schemas in a publish build). */
	relationOf(node: Node): Relation;
	/** Whether an incremental model's relation exists and is not being fully refreshed. */
	isIncremental(node: Node): boolean;
}

export class Compiler {
	constructor(
		private readonly manifest: Manifest,
		private readonly renderer: JinjaRenderer,
		private readonly adapter: Adapter,
		private readonly options: CompileOptions
	) {}

	/** SQL of a model or a test. */
	compile(node: Node): string {
		if (node.resourceType === 'test' && node.test?.kind !== 'singular') return this.compileGenericTest(node);
		const ctes = new Map<string, string>();
		const sql = this.render(node, ctes);
		return injectCtes(sql, ctes);
	}

	private render(node: Node, ctes: Map<string, string>): string {
		return this.renderer.render(node.rawSql ?? '', node.path, {
			ref: (name) => {
				const target = this.manifest.nodes.get(this.manifest.refs.get(name)!)!;
				if (target.config.materialized === 'ephemeral') {
					const cteName = `__dbt__cte__${target.name}`;
					if (!ctes.has(cteName)) {
						// Parents first, so a CTE only refers to CTEs defined before it.
						const inner = this.render(target, ctes);
						ctes.set(cteName, inner);
					}
					return cteName;
				}
				return this.adapter.renderRelation(this.options.relationOf(target));
			},
			source: (source, table) =>
				this.adapter.renderRelation(
					this.manifest.nodes.get(this.manifest.sources.get(`${source}.${table}`)!)!.relation!
				),
			config: () => {},
			isIncremental: () => this.options.isIncremental(node),
			self: node.relation ? this.adapter.renderRelation(this.options.relationOf(node)) : undefined
		});
	}

	private compileGenericTest(node: Node): string {
		const spec = node.test!;
		const parent = this.manifest.nodes.get(spec.attachedTo!)!;
		const parentRelation = this.adapter.renderRelation(this.relationFor(parent));
		// As dbt does: the tested relation becomes a subquery of the rows the condition keeps.
		const relation = spec.where
			? `(select * from ${parentRelation} where ${this.renderWhere(node, spec.where)}) dbt_subquery`
			: parentRelation;
		const column = this.adapter.quoteIdentifier(spec.column!);
		switch (spec.kind) {
			case 'unique':
				return `select ${column} as unique_field, count(*) as n_records\nfrom ${relation}\nwhere ${column} is not null\ngroup by ${column}\nhaving count(*) > 1`;
			case 'not_null':
				return `select *\nfrom ${relation}\nwhere ${column} is null`;
			case 'accepted_values': {
				const values = (spec.args.values as unknown[]).map((v) =>
					this.adapter.literal(v as string | number | boolean | null)
				);
				// Values compare as text, as dbt's default quote: true does, so 1 and '1' match alike.
				return `select ${column} as value_field, count(*) as n_records\nfrom ${relation}\nwhere ${column} is not null and ${column} not in (${values.join(', ')})\ngroup by ${column}`;
			}
			case 'relationships': {
				const target = this.manifest.nodes.get(String(spec.args.to_node))!;
				const targetRelation = this.adapter.renderRelation(this.relationFor(target));
				const field = this.adapter.quoteIdentifier(String(spec.args.field));
				// NOT IN over the non-null parent keys: each orphan child row fails, child nulls are ignored,
				// and no engine's join defaults (ClickHouse fills missing sides with 0 and '') can hide one.
				return `select ${column} as from_field\nfrom ${relation}\nwhere ${column} is not null\n  and ${column} not in (select ${field} from ${targetRelation} where ${field} is not null)`;
			}
			default:
				throw new ProjectError(`unknown generic test '${spec.kind}'`, node.path);
		}
	}

	/** A test's `where:` rendered like a model: vars, macros, ref() and source() resolve. */
	private renderWhere(node: Node, where: string): string {
		return this.renderer.renderText(where, node.test!.declaredIn, {
			ref: (name) =>
				this.adapter.renderRelation(this.relationFor(this.known(this.manifest.refs.get(name), name, node))),
			source: (source, table) =>
				this.adapter.renderRelation(
					this.known(this.manifest.sources.get(`${source}.${table}`), `${source}.${table}`, node).relation!
				),
			config: () => {},
			isIncremental: () => false
		});
	}

	private known(uniqueId: string | undefined, name: string, test: Node): Node {
		const node = uniqueId === undefined ? undefined : this.manifest.nodes.get(uniqueId);
		if (!node)
			throw new ProjectError(
				`${test.name}: where: refers to '${name}', which the project does not define`,
				test.test!.declaredIn
			);
		return node;
	}

	private relationFor(node: Node): Relation {
		if (node.resourceType === 'source') return node.relation!;
		return this.options.relationOf(node);
	}
}

/** Puts ephemeral models in front of a query as CTEs, merging with a leading WITH if there is one. */
export function injectCtes(sql: string, ctes: Map<string, string>): string {
	if (ctes.size === 0) return sql;
	const definitions = [...ctes].map(([name, body]) => `${name} as (\n${body.trim()}\n)`).join(',\n');
	const leadingWith = /^(\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*)with\s/i.exec(sql);
	if (leadingWith) {
		return `${leadingWith[1]}with ${definitions},\n${sql.slice(leadingWith[0].length)}`;
	}
	return `with ${definitions}\n${sql}`;
}
