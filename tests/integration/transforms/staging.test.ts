/**
 * The transforms project's staging layer on the embedded warehouse: the raw tables the ETL would
 * create (empty), a handful of hand-made rows in a few of them, then `build` of the staging models,
 * their tests and the area seeds. Staging must show the latest version of each row, leave soft-deleted
 * rows out, and its tests must pass on valid data (and catch an orphan).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWarehouse, type Warehouse } from '$lib/server/warehouse';
import { loadDeclarations, type DeclaredTable } from '$lib/server/etl/declarations';
import { ensureRawTables } from '$lib/server/etl/raw-tables';
import { createClickHouseAdapter, runTransform, type TransformOutcome } from '$lib/server/transform';

const PROJECT_DIR = path.resolve('transforms');
/** A township and one of its communities, from seeds/areas. */
const TOWNSHIP = '370202001';
const COMMUNITY = '370202001001';
const LOADED_AT = '2025-06-01 02:00:00.000';

let root: string;
let warehouse: Warehouse;
let declarations: DeclaredTable[];
let outcome: TransformOutcome;

/** A raw row as the ETL writes it: bookkeeping columns included, version 1 and not deleted by default. */
function raw(row: Record<string, unknown>, meta: { version?: number; deleted?: boolean } = {}) {
	return {
		...row,
		_deleted: meta.deleted ? 1 : 0,
		_version: meta.version ?? 1,
		_loaded_at: LOADED_AT,
		_run_id: 'staging-test'
	};
}

function person(id: number, overrides: Record<string, unknown> = {}) {
	return {
		id,
		id_number_hash: `hash-${id}`,
		gender: '女',
		birth_year: 1960,
		category: '低保',
		monthly_allowance: '1050.00',
		township_code: TOWNSHIP,
		community_code: COMMUNITY,
		monitored_since: '2024-03-01',
		status: 'monitored',
		exited_on: null,
		exit_reason: null,
		updated_at: '2025-01-02 09:00:00',
		...overrides
	};
}

function mealOrder(id: number, overrides: Record<string, unknown> = {}) {
	return {
		id,
		order_no: `DC20250105${String(id).padStart(9, '0')}`,
		elder_id: 1,
		facility_id: 1,
		township_code: TOWNSHIP,
		ordered_on: '2025-01-05',
		meal: '午餐',
		amount: '15.00',
		subsidy: '5.00',
		updated_at: '2025-01-05 11:30:00',
		...overrides
	};
}

/** Each insert is a separate load, as successive nightly runs would be: new versions land in new parts. */
async function load(table: string, rows: Record<string, unknown>[]): Promise<void> {
	await warehouse.insert(`raw.${table}`, rows);
}

async function build(select: string[]): Promise<TransformOutcome> {
	return runTransform(createClickHouseAdapter(warehouse, { defaultSchema: 'analytics' }), {
		projectDir: PROJECT_DIR,
		verb: 'build',
		select,
		// Only tests whose every parent is selected: the marts' tests on the area seeds stay out.
		indirectSelection: 'cautious'
	});
}

function testResults(result: TransformOutcome, kind: string) {
	return result.results.filter((r) => r.uniqueId.startsWith(`test.civil_affairs.${kind}_`));
}

beforeAll(async () => {
	root = await mkdtemp(path.join(os.tmpdir(), 'staging-'));
	warehouse = await createWarehouse({ mode: 'embedded', path: path.join(root, 'warehouse') });
	declarations = loadDeclarations(PROJECT_DIR);
	await ensureRawTables(warehouse, declarations);

	await load('assistance__departments', [
		raw({ id: 1, code: 'D001', name: '市民政局', updated_at: '2025-01-01 09:00:00' })
	]);
	await load('assistance__assistance_items', [
		raw({
			id: 1,
			code: 'I001',
			name: '最低生活保障',
			category: '基本生活救助',
			department_id: 1,
			updated_at: '2025-01-01 09:00:00'
		})
	]);
	// Person 1 is loaded twice: monitored, then exited in a later version.
	await load('assistance__persons', [
		raw(person(1)),
		raw(person(2, { gender: '男', category: '特困', monthly_allowance: '1365.00' })),
		raw(person(3), { deleted: true }),
		raw(person(4))
	]);
	await load('assistance__persons', [
		raw(
			person(1, {
				status: 'exited',
				exited_on: '2025-02-01',
				exit_reason: '收入提高',
				updated_at: '2025-02-01 10:00:00'
			}),
			{ version: 2 }
		),
		// Person 4 is deleted in the source after its first load.
		raw(person(4, { updated_at: '2025-02-01 11:00:00' }), { version: 2, deleted: true })
	]);
	await load('assistance__applications', [
		raw({
			id: 1,
			application_no: 'SQ2025010200000001',
			person_id: 2,
			item_id: 1,
			department_id: 1,
			township_code: TOWNSHIP,
			submitted_at: '2025-01-02 09:30:00',
			decided_at: '2025-01-08 15:00:00',
			status: 'approved',
			amount: '800.00',
			updated_at: '2025-01-08 15:00:00'
		})
	]);

	await load('elderly__service_facilities', [
		raw({
			id: 1,
			code: 'ZD3702020010',
			kind: 'community_station',
			name: '云霄路社区养老服务站',
			township_code: TOWNSHIP,
			community_code: COMMUNITY,
			floor_area_m2: 500,
			opened_on: '2023-05-01',
			updated_at: '2023-05-01 10:00:00'
		}),
		raw({
			id: 2,
			code: `ZX${TOWNSHIP}`,
			kind: 'township_center',
			name: '香港中路街道综合养老服务中心',
			township_code: TOWNSHIP,
			community_code: null,
			floor_area_m2: 2000,
			opened_on: '2022-09-01',
			updated_at: '2022-09-01 10:00:00'
		})
	]);
	await load('elderly__elders', [
		raw({
			id: 1,
			id_number_hash: 'hash-elder-1',
			gender: '男',
			birth_year: 1940,
			township_code: TOWNSHIP,
			community_code: COMMUNITY,
			facility_id: 1,
			living_arrangement: '独居',
			subsidy_category: '高龄',
			registered_on: '2024-01-10',
			updated_at: '2024-01-10 10:00:00'
		})
	]);
	// The order is loaded twice; the second load corrects its amount.
	await load('elderly__meal_orders', [raw(mealOrder(1))]);
	await load('elderly__meal_orders', [
		raw(mealOrder(1, { amount: '18.00', updated_at: '2025-01-05 14:00:00' }), { version: 2 })
	]);

	outcome = await build(['tag:staging', 'resource_type:seed']);
});

afterAll(async () => {
	await warehouse?.close();
	if (root) await rm(root, { recursive: true, force: true });
});

describe('staging build', () => {
	it('succeeds, with every test passing on valid rows', () => {
		const problems = outcome.results.filter((r) => r.status !== 'success' && r.status !== 'pass');
		expect(problems.map((r) => `${r.uniqueId}: ${r.status} ${r.message}`)).toEqual([]);
		expect(outcome.exitCode).toBe(0);
	});

	it('creates one staging view per declared source table, without bookkeeping or personal columns', async () => {
		expect(declarations).toHaveLength(20);
		const views = await warehouse.query<{ name: string; engine: string }>(
			"select name, engine from system.tables where database = 'staging' order by name"
		);
		expect(views.map((v) => v.name)).toEqual(declarations.map((t) => `stg_${t.rawTable}`).sort());
		expect(new Set(views.map((v) => v.engine))).toEqual(new Set(['View']));

		const columns = await warehouse.query<{ table: string; name: string }>(
			"select table, name from system.columns where database = 'staging'"
		);
		expect(columns.filter((c) => c.name.startsWith('_'))).toEqual([]);
		const dropped = new Set(
			declarations.flatMap((t) => t.columns.filter((c) => c.pii !== 'keep').map((c) => c.name))
		);
		expect(columns.filter((c) => dropped.has(c.name))).toEqual([]);
		// Every view renames its key.
		expect(columns.filter((c) => c.name === 'id')).toEqual([]);
	});

	it('leaves out soft-deleted rows, whether deleted at first load or later', async () => {
		const rows = await warehouse.query<{ person_id: string }>(
			'select person_id from staging.stg_assistance__persons order by person_id'
		);
		expect(rows.map((r) => Number(r.person_id))).toEqual([1, 2]);
	});

	it('shows only the latest version of a row loaded twice', async () => {
		const [person] = await warehouse.query<Record<string, unknown>>(
			'select status, exited_on, exit_reason from staging.stg_assistance__persons where person_id = 1'
		);
		expect(person).toEqual({ status: 'exited', exited_on: '2025-02-01', exit_reason: '收入提高' });

		const orders = await warehouse.query<Record<string, unknown>>(
			'select order_id, toString(amount) as amount, order_year from staging.stg_elderly__meal_orders'
		);
		expect(orders).toEqual([{ order_id: '1', amount: '18', order_year: 2025 }]);
	});

	it('runs the relationships tests, areas and within a system, and they pass', () => {
		const relationships = testResults(outcome, 'relationships');
		const names = relationships.map((r) => r.uniqueId);
		for (const target of [
			'areas_townships',
			'areas_communities',
			'stg_assistance__persons',
			'stg_elderly__elders',
			'stg_elderly__service_facilities',
			'stg_charity__charity_orgs',
			'stg_community__mediation_committees'
		]) {
			expect(names.some((name) => name.includes(target))).toBe(true);
		}
		expect(relationships.every((r) => r.status === 'pass')).toBe(true);
	});

	it('catches an orphan: a meal order of an elder staging does not have', async () => {
		await load('elderly__meal_orders', [raw(mealOrder(2, { elder_id: 99 }))]);
		// Both ends of the relationship, so the cautious selection takes its test.
		const rerun = await build(['stg_elderly__meal_orders', 'stg_elderly__elders']);
		const orphan = testResults(rerun, 'relationships').filter((r) =>
			r.uniqueId.includes('stg_elderly__meal_orders_elder_id')
		);
		expect(orphan.map((r) => [r.status, r.failures])).toEqual([['fail', 1]]);
		expect(rerun.exitCode).toBe(1);
	});
});
