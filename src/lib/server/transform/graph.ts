/** Dependency order of a manifest's nodes: parents and children, cycles, a topological order. */
import { ProjectError } from './errors';
import type { Manifest, Node } from './nodes';

export interface Graph {
	parents: Map<string, string[]>;
	children: Map<string, string[]>;
}

export function buildGraph(manifest: Manifest): Graph {
	const parents = new Map<string, string[]>();
	const children = new Map<string, string[]>();
	for (const id of manifest.nodes.keys()) {
		parents.set(id, []);
		children.set(id, []);
	}
	for (const node of manifest.nodes.values()) {
		for (const parent of node.dependsOn) {
			parents.get(node.uniqueId)!.push(parent);
			children.get(parent)?.push(node.uniqueId);
		}
	}
	assertAcyclic(manifest, parents);
	return { parents, children };
}

/** Throws naming the cycle, e.g. "a → b → c → a", with the file of its first model. */
function assertAcyclic(manifest: Manifest, parents: Map<string, string[]>): void {
	const state = new Map<string, 'visiting' | 'done'>();
	const stack: string[] = [];
	const visit = (id: string): void => {
		if (state.get(id) === 'done') return;
		if (state.get(id) === 'visiting') {
			const cycle = [...stack.slice(stack.indexOf(id)), id].map((n) => manifest.nodes.get(n)!.name);
			const first = manifest.nodes.get(id)!;
			throw new ProjectError(
				`models depend on each other in a cycle: ${cycle.join(' → ')}. Remove one of these refs.`,
				first.path
			);
		}
		state.set(id, 'visiting');
		stack.push(id);
		for (const parent of parents.get(id) ?? []) visit(parent);
		stack.pop();
		state.set(id, 'done');
	};
	for (const id of [...parents.keys()].sort()) visit(id);
}

/** All ancestors (or descendants) of the given nodes, not including them. */
export function reach(start: Iterable<string>, edges: Map<string, string[]>): Set<string> {
	const seen = new Set<string>();
	const queue = [...start];
	while (queue.length > 0) {
		for (const next of edges.get(queue.pop()!) ?? []) {
			if (!seen.has(next)) {
				seen.add(next);
				queue.push(next);
			}
		}
	}
	return seen;
}

/** Nodes in an order where every node comes after its parents (ties broken by unique id). */
export function topologicalOrder(ids: Iterable<string>, parents: Map<string, string[]>): string[] {
	const wanted = new Set(ids);
	const remaining = new Map<string, number>();
	for (const id of wanted) remaining.set(id, (parents.get(id) ?? []).filter((p) => wanted.has(p)).length);
	const ready = [...wanted].filter((id) => remaining.get(id) === 0).sort();
	const order: string[] = [];
	const children = new Map<string, string[]>();
	for (const id of wanted) {
		for (const p of parents.get(id) ?? [])
			if (wanted.has(p)) children.set(p, [...(children.get(p) ?? []), id]);
	}
	while (ready.length > 0) {
		const id = ready.shift()!;
		order.push(id);
		for (const child of children.get(id) ?? []) {
			const left = remaining.get(child)! - 1;
			remaining.set(child, left);
			if (left === 0) {
				ready.push(child);
				ready.sort();
			}
		}
	}
	return order;
}

export function describeNode(node: Node): string {
	return `${node.resourceType} ${node.name}`;
}
