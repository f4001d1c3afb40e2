/** The nodes of a parsed project: what the graph, the selector, the runner and the artifacts share. */
import type { ColumnProperties } from './project';
import type { NodeConfig, Relation } from './types';

export type ResourceType = 'model' | 'seed' | 'test' | 'source';

export type GenericTestName = 'unique' | 'not_null' | 'accepted_values' | 'relationships';

export interface TestSpec {
	/** A generic test's name, or 'singular' for a SQL file in the test path. */
	kind: GenericTestName | 'singular';
	/** The node the test is attached to (generic tests). */
	attachedTo?: string;
	column?: string;
	/** The test's arguments from YAML (values, to, field…). */
	args: Record<string, unknown>;
	severity: 'error' | 'warn';
	/**
	 * dbt's `where` config: the test sees only the rows that match (Jinja, so `var()` works here). A
	 * nightly build tests what changed; the default without it is every row.
	 */
	where?: string;
	/** YAML file that declared it (generic) or the SQL file (singular). */
	declaredIn: string;
}

export interface Node {
	uniqueId: string;
	resourceType: ResourceType;
	name: string;
	/** File the node comes from, relative to the project. */
	path: string;
	fqn: string[];
	config: NodeConfig;
	/** Where the node lives in the warehouse (models, seeds, sources). */
	relation?: Relation;
	/** The raw template (models, singular tests). */
	rawSql?: string;
	/** unique ids this node reads from. */
	dependsOn: string[];
	description: string;
	columns: ColumnProperties[];
	test?: TestSpec;
	/** For sources: the table-level extra properties (ETL declarations). */
	meta?: Record<string, unknown>;
}

export interface Manifest {
	projectName: string;
	nodes: Map<string, Node>;
	/** name → unique id, for models and seeds (what `ref` resolves). */
	refs: Map<string, string>;
	/** `source.table` → unique id. */
	sources: Map<string, string>;
}
