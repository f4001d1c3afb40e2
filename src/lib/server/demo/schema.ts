/**
 * The bureau's operational systems as the demo builds them: five systems, their tables and columns.
 * This describes the *source* side (what the bureau's platforms hold, personal data included); the
 * warehouse side declares what it extracts in the transforms project's sources YAML.
 *
 * One description drives the DDL on every engine, the row layout the generator writes, and the
 * checksums that prove SQLite, PostgreSQL and MariaDB received the same data.
 */

export type ColumnType = 'id' | 'int' | 'decimal' | 'string' | 'date' | 'datetime' | 'bool';

export interface Column {
	name: string;
	type: ColumnType;
	/** For strings: maximum length. */
	length?: number;
	nullable?: boolean;
	/** Worth an index in the source system (foreign keys, the ETL cursor). */
	indexed?: boolean;
}

export type SystemName = 'assistance' | 'children' | 'elderly' | 'community' | 'charity';

export interface Table {
	/** 'demo' marks the generator's own bookkeeping, which belongs to no system. */
	system: SystemName | 'demo';
	name: string;
	columns: readonly Column[];
}

const id = (): Column => ({ name: 'id', type: 'id' });
const int = (name: string, extra: Partial<Column> = {}): Column => ({ name, type: 'int', ...extra });
const money = (name: string, extra: Partial<Column> = {}): Column => ({ name, type: 'decimal', ...extra });
const str = (name: string, length: number, extra: Partial<Column> = {}): Column => ({
	name,
	type: 'string',
	length,
	...extra
});
const date = (name: string, extra: Partial<Column> = {}): Column => ({ name, type: 'date', ...extra });
const datetime = (name: string, extra: Partial<Column> = {}): Column => ({
	name,
	type: 'datetime',
	...extra
});
const bool = (name: string): Column => ({ name, type: 'bool' });
const area = (name: string, digits: 9 | 12, extra: Partial<Column> = {}) => str(name, digits, extra);
/** Every table carries the ETL cursor; tables whose rows can disappear carry a soft-delete flag. */
const updatedAt = () => datetime('updated_at', { indexed: true });
const isDeleted = () => bool('is_deleted');

export const TABLES: readonly Table[] = [
	// 社会救助一件事 platform and the low-income population database
	{
		system: 'assistance',
		name: 'departments',
		columns: [id(), str('code', 8), str('name', 64), updatedAt()]
	},
	{
		system: 'assistance',
		name: 'assistance_items',
		columns: [id(), str('code', 8), str('name', 64), str('category', 16), int('department_id'), updatedAt()]
	},
	{
		system: 'assistance',
		name: 'persons',
		columns: [
			id(),
			str('id_number', 18),
			str('name', 32),
			str('gender', 1),
			date('birth_date'),
			str('phone', 20),
			str('address', 200),
			str('category', 16),
			money('monthly_allowance'),
			area('township_code', 9, { indexed: true }),
			area('community_code', 12),
			date('monitored_since'),
			str('status', 16),
			date('exited_on', { nullable: true }),
			str('exit_reason', 32, { nullable: true }),
			updatedAt(),
			isDeleted()
		]
	},
	{
		system: 'assistance',
		name: 'applications',
		columns: [
			id(),
			str('application_no', 20),
			int('person_id', { indexed: true }),
			int('item_id'),
			int('department_id'),
			area('township_code', 9),
			datetime('submitted_at'),
			datetime('decided_at', { nullable: true }),
			str('status', 16),
			money('amount', { nullable: true }),
			updatedAt(),
			isDeleted()
		]
	},
	{
		system: 'assistance',
		name: 'alerts',
		columns: [
			id(),
			str('alert_no', 20),
			int('person_id', { indexed: true }),
			area('township_code', 9),
			str('alert_type', 32),
			str('level', 8),
			datetime('raised_at'),
			datetime('dispatched_at', { nullable: true }),
			int('department_id', { nullable: true }),
			datetime('closed_at', { nullable: true }),
			str('status', 16),
			updatedAt()
		]
	},
	{
		system: 'assistance',
		name: 'service_records',
		columns: [
			id(),
			int('person_id', { indexed: true }),
			area('township_code', 9),
			str('service_type', 16),
			datetime('served_at'),
			str('provider', 64),
			updatedAt()
		]
	},
	// 儿童福利
	{
		system: 'children',
		name: 'children',
		columns: [
			id(),
			str('id_number', 18),
			str('name', 32),
			str('gender', 1),
			date('birth_date'),
			str('category', 16),
			str('guardianship', 16),
			bool('is_suspected'),
			area('township_code', 9, { indexed: true }),
			area('community_code', 12),
			str('guardian_name', 32),
			str('guardian_phone', 20),
			str('address', 200),
			date('registered_on'),
			date('visited_on', { nullable: true }),
			date('verified_on', { nullable: true }),
			date('filed_on', { nullable: true }),
			date('measures_on', { nullable: true }),
			date('monitored_on', { nullable: true }),
			updatedAt(),
			isDeleted()
		]
	},
	// 养老服务平台
	{
		system: 'elderly',
		name: 'care_institutions',
		columns: [
			id(),
			str('code', 12),
			str('name', 64),
			area('township_code', 9),
			str('address', 200),
			str('phone', 20),
			str('ownership', 16),
			int('beds'),
			int('occupied_beds'),
			bool('medical_integrated'),
			date('opened_on'),
			updatedAt(),
			isDeleted()
		]
	},
	{
		system: 'elderly',
		name: 'service_facilities',
		columns: [
			id(),
			str('code', 16),
			str('kind', 24),
			str('name', 64),
			area('township_code', 9),
			area('community_code', 12, { nullable: true }),
			int('floor_area_m2'),
			date('opened_on'),
			updatedAt(),
			isDeleted()
		]
	},
	{
		system: 'elderly',
		name: 'elders',
		columns: [
			id(),
			str('id_number', 18),
			str('name', 32),
			str('gender', 1),
			date('birth_date'),
			str('phone', 20),
			str('address', 200),
			area('township_code', 9, { indexed: true }),
			area('community_code', 12),
			int('facility_id'),
			str('living_arrangement', 16),
			str('subsidy_category', 16),
			date('registered_on'),
			updatedAt(),
			isDeleted()
		]
	},
	{
		system: 'elderly',
		name: 'meal_orders',
		columns: [
			id(),
			str('order_no', 20),
			int('elder_id', { indexed: true }),
			int('facility_id'),
			area('township_code', 9),
			date('ordered_on', { indexed: true }),
			str('meal', 8),
			money('amount'),
			money('subsidy'),
			updatedAt()
		]
	},
	{
		system: 'elderly',
		name: 'home_renovations',
		columns: [
			id(),
			str('project_no', 20),
			int('elder_id', { indexed: true }),
			area('township_code', 9),
			date('applied_on'),
			date('completed_on', { nullable: true }),
			str('status', 16),
			money('cost'),
			money('subsidy'),
			updatedAt()
		]
	},
	{
		system: 'elderly',
		name: 'capability_assessments',
		columns: [
			id(),
			int('elder_id', { indexed: true }),
			area('township_code', 9),
			date('assessed_on'),
			int('level'),
			str('level_name', 16),
			str('assessor_org', 64),
			updatedAt()
		]
	},
	// 社会组织, 人民调解
	{
		system: 'community',
		name: 'social_orgs',
		columns: [
			id(),
			str('credit_code', 18),
			str('name', 64),
			str('kind', 16),
			area('township_code', 9),
			area('community_code', 12),
			date('registered_on'),
			str('status', 16),
			date('deregistered_on', { nullable: true }),
			updatedAt(),
			isDeleted()
		]
	},
	{
		system: 'community',
		name: 'mediation_committees',
		columns: [
			id(),
			str('code', 12),
			str('name', 64),
			str('kind', 16),
			area('township_code', 9),
			date('established_on'),
			int('mediator_count'),
			updatedAt()
		]
	},
	{
		system: 'community',
		name: 'mediation_cases',
		columns: [
			id(),
			str('case_no', 20),
			int('committee_id', { indexed: true }),
			area('township_code', 9),
			str('dispute_type', 16),
			str('applicant_name', 32),
			str('applicant_phone', 20),
			date('received_on'),
			date('closed_on', { nullable: true }),
			str('status', 16),
			money('amount_involved'),
			updatedAt()
		]
	},
	// 慈善
	{
		system: 'charity',
		name: 'charity_orgs',
		columns: [
			id(),
			str('credit_code', 18),
			str('name', 64),
			str('kind', 16),
			bool('tax_deductible'),
			area('township_code', 9),
			str('contact_phone', 20),
			date('registered_on'),
			updatedAt()
		]
	},
	{
		system: 'charity',
		name: 'community_funds',
		columns: [
			id(),
			str('code', 12),
			str('name', 64),
			area('township_code', 9),
			area('community_code', 12, { nullable: true }),
			date('established_on'),
			money('initial_amount'),
			updatedAt()
		]
	},
	{
		system: 'charity',
		name: 'charity_projects',
		columns: [
			id(),
			str('code', 12),
			str('name', 64),
			int('org_id'),
			int('fund_id', { nullable: true }),
			str('domain', 16),
			area('township_code', 9),
			date('started_on'),
			date('ended_on', { nullable: true }),
			money('budget'),
			int('beneficiary_visits'),
			updatedAt()
		]
	},
	{
		system: 'charity',
		name: 'donations',
		columns: [
			id(),
			str('donation_no', 20),
			int('org_id', { indexed: true }),
			int('fund_id', { nullable: true }),
			int('project_id', { nullable: true }),
			str('donor_type', 8),
			str('donor_name', 64),
			str('donor_phone', 20),
			str('channel', 16),
			area('township_code', 9),
			money('amount'),
			datetime('donated_at'),
			updatedAt(),
			isDeleted()
		]
	}
];

export const TABLE_BY_NAME: ReadonlyMap<string, Table> = new Map(TABLES.map((t) => [t.name, t]));

export function getTable(name: string): Table {
	const table = TABLE_BY_NAME.get(name);
	if (!table) throw new Error(`unknown operational table "${name}"`);
	return table;
}

/** The demo's bookkeeping (seed, scale, as-of, ticks), beside the systems' tables; the ETL ignores it. */
export const DEMO_META: Table = {
	system: 'demo',
	name: 'demo_meta',
	columns: [str('key', 64), { name: 'value', type: 'string', length: 4000 }]
};
