/**
 * dbt's node selection: `name`, `+name` (with ancestors), `name+` (with descendants), `tag:x`,
 * `path:dir`, `resource_type:model`, `*` for everything; space-separated selectors are a union,
 * comma-joined ones an intersection; `--exclude` removes. Selecting a node selects the tests that
 * touch it (dbt's eager indirect selection).
 */
import { ProjectError } from './errors';
import { reach, type Graph } from './graph';
import type { Manifest, Node } from './nodes';
import { closestHint } from './project';

export interface Selection {
	select?: string[];
	exclude?: string[];
	/**
	 * Which tests follow a selection, as dbt's --indirect-selection: eager (default) takes a test when
	 * any node it tests is selected; cautious only when all are; buildable when all are selected or
	 * upstream of the selection.
	 */
	indirect?: 'eager' | 'cautious' | 'buildable';
}

export function selectNodes(manifest: Manifest, graph: Graph, selection: Selection): Set<string> {
	const all = [...manifest.nodes.values()].filter((n) => n.resourceType !== 'source');
	const selected = selection.select?.length
		? union(selection.select.flatMap(splitSpaces).map((s) => matchSelector(manifest, graph, all, s)))
		: new Set(all.map((n) => n.uniqueId));
	const excluded = selection.exclude?.length
		? union(selection.exclude.flatMap(splitSpaces).map((s) => matchSelector(manifest, graph, all, s)))
		: new Set<string>();
	// Tests follow their parents (unless excluded themselves).
	const isIn = (id: string) => selected.has(id) && !excluded.has(id);
	const upstream =
		selection.indirect === 'buildable' ? reach([...selected], graph.parents) : new Set<string>();
	for (const node of all) {
		if (node.resourceType !== 'test' || excluded.has(node.uniqueId)) continue;
		const parents = node.dependsOn;
		const take =
			selection.indirect === 'cautious'
				? parents.every(isIn)
				: selection.indirect === 'buildable'
					? parents.some(isIn) && parents.every((id) => isIn(id) || upstream.has(id))
					: parents.some(isIn);
		if (take) selected.add(node.uniqueId);
	}
	for (const id of excluded) selected.delete(id);
	return selected;
}

function splitSpaces(text: string): string[] {
	return text.split(/\s+/).filter(Boolean);
}

function union(sets: Set<string>[]): Set<string> {
	const out = new Set<string>();
	for (const set of sets) for (const id of set) out.add(id);
	return out;
}

function matchSelector(manifest: Manifest, graph: Graph, all: Node[], selector: string): Set<string> {
	// a,b: nodes matching both.
	if (selector.includes(',')) {
		const parts = selector.split(',').map((part) => matchSelector(manifest, graph, all, part));
		return new Set([...parts[0]!].filter((id) => parts.every((p) => p.has(id))));
	}
	const parents = /^(\d*)\+/.exec(selector);
	const children = /\+(\d*)$/.exec(selector);
	const core = selector.slice(
		parents?.[0].length ?? 0,
		children ? selector.length - children[0].length : undefined
	);
	const matched = matchCore(manifest, all, core);
	if (matched.size === 0) {
		throw new ProjectError(
			`selector '${selector}' matches nothing${core.includes(':') ? '' : closestHint(core, [...manifest.refs.keys()])}`
		);
	}
	const out = new Set(matched);
	if (parents) for (const id of limitedReach(matched, graph.parents, parents[1])) out.add(id);
	if (children) for (const id of limitedReach(matched, graph.children, children[1])) out.add(id);
	for (const id of [...out]) if (manifest.nodes.get(id)?.resourceType === 'source') out.delete(id);
	return out;
}

function limitedReach(
	start: Set<string>,
	edges: Map<string, string[]>,
	depth: string | undefined
): Set<string> {
	if (!depth) return reach(start, edges);
	let frontier = new Set(start);
	const seen = new Set<string>();
	for (let i = 0; i < Number(depth); i++) {
		const next = reach(frontier, new Map([...frontier].map((id) => [id, edges.get(id) ?? []])));
		for (const id of next) seen.add(id);
		frontier = next;
	}
	return seen;
}

function matchCore(manifest: Manifest, all: Node[], core: string): Set<string> {
	const [method, value] = core.includes(':') ? (core.split(/:(.*)/s) as [string, string]) : ['name', core];
	const ids = (nodes: Node[]) => new Set(nodes.map((n) => n.uniqueId));
	switch (method) {
		case 'name':
			if (value === '*') return ids(all);
			return ids(
				all.filter((n) => n.name === value || (n.resourceType !== 'test' && n.fqn.join('.') === value))
			);
		case 'tag':
			return ids(all.filter((n) => n.config.tags.includes(value)));
		case 'path': {
			const prefix = value.replace(/\/+$/, '');
			return ids(all.filter((n) => n.path === prefix || n.path.startsWith(`${prefix}/`)));
		}
		case 'resource_type':
			return ids(all.filter((n) => n.resourceType === value));
		case 'source': {
			const [source, table] = value.split('.');
			const sources = [...manifest.nodes.values()].filter(
				(n) => n.resourceType === 'source' && n.fqn[1] === source && (!table || n.fqn[2] === table)
			);
			return ids(sources);
		}
		default:
			throw new ProjectError(
				`unknown selector method '${method}:'; use name, tag:, path:, resource_type: or source:`
			);
	}
}
