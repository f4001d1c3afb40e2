/**
 * The generator at a small scale, on a real SQLite file: the calibration rules of DESIGN.md §8 hold
 * when the generated databases are queried, registries are exact at every scale, the data look like
 * Qingdao (seasonality, districts, personal data in place for the ETL to remove), and the same seed
 * gives the same bytes of data.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTRY, scaleFigures } from '../../../src/lib/server/demo/calibration';
import { checksumAll } from '../../../src/lib/server/demo/checksum';
import { generateDemo } from '../../../src/lib/server/demo/generate';
import { isValidIdNumber } from '../../../src/lib/server/demo/identity';

const AS_OF = '2026-06-30';
const SCALE = 0.01;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-calibration-'));
const file = path.join(dir, 'operational.sqlite');
let db: Knex;

const one = async <T = number>(sql: string, ...bindings: unknown[]): Promise<T> => {
	const rows = (await db.raw(sql, bindings as Knex.RawBinding[])) as Record<string, T>[];
	return Object.values(rows[0]!)[0]!;
};

beforeAll(async () => {
	await generateDemo({ seed: 1, scale: SCALE, asOf: AS_OF, target: file, progress: 'quiet' });
	db = knex({ client: 'better-sqlite3', connection: { filename: file }, useNullAsDefault: true });
});

afterAll(async () => {
	await db?.destroy();
	fs.rmSync(dir, { recursive: true, force: true });
});

describe('calibration at scale 0.01', () => {
	const figures = scaleFigures(SCALE);

	it('has exactly the monitored low-income population, in all four categories', async () => {
		expect(await one("select count(*) from persons where status = 'monitored' and is_deleted = 0")).toBe(
			figures.monitoredLowIncome
		);
		const categories = (await db('persons').distinct('category').orderBy('category')).map((r) => r.category);
		expect(categories).toEqual(['低保', '低保边缘', '刚性支出困难', '特困'].sort());
		// Outflow exists too: people who left monitoring during the two years.
		expect(
			await one("select count(*) from persons where status = 'exited' and exited_on >= '2025-01-01'")
		).toBeGreaterThan(0);
	});

	it('has exactly the floating-children records', async () => {
		expect(await one("select count(*) from children where category = '流动儿童'")).toBe(
			figures.floatingChildren
		);
		// The five-full funnel narrows step by step.
		const steps = await db('children')
			.where({ is_suspected: 1 })
			.select(
				db.raw('count(visited_on) as visited'),
				db.raw('count(verified_on) as verified'),
				db.raw('count(filed_on) as filed'),
				db.raw('count(measures_on) as measures'),
				db.raw('count(monitored_on) as monitored')
			);
		const { visited, verified, filed, measures, monitored } = steps[0] as Record<
			'visited' | 'verified' | 'filed' | 'measures' | 'monitored',
			number
		>;
		expect(visited).toBeGreaterThan(0);
		expect(visited).toBeGreaterThanOrEqual(verified);
		expect(verified).toBeGreaterThanOrEqual(filed);
		expect(filed).toBeGreaterThanOrEqual(measures);
		expect(measures).toBeGreaterThanOrEqual(monitored);
	});

	it('has the registries exactly: institutions, centres, stations, organisations, committees, charity', async () => {
		expect(await one('select count(*) from care_institutions where opened_on <= ?', AS_OF)).toBe(
			REGISTRY.careInstitutions
		);
		expect(await one('select sum(medical_integrated) from care_institutions')).toBe(
			REGISTRY.careInstitutionsMedicalIntegrated
		);
		expect(
			await one(
				"select count(*) from service_facilities where kind = 'township_center' and floor_area_m2 >= 1000"
			)
		).toBe(REGISTRY.townshipCentres);
		expect(
			await one(
				"select count(*) from service_facilities where kind = 'community_station' and floor_area_m2 >= 300 and opened_on <= ?",
				AS_OF
			)
		).toBe(REGISTRY.communityStations);
		expect(await one("select count(*) from social_orgs where status = 'active'")).toBe(
			REGISTRY.communitySocialOrgs
		);
		expect(await one('select count(*) from mediation_committees')).toBe(REGISTRY.mediationCommittees);
		expect(await one('select count(*) from charity_orgs')).toBe(REGISTRY.charityOrgs);
		expect(await one('select sum(tax_deductible) from charity_orgs')).toBe(REGISTRY.charityOrgsTaxDeductible);
		expect(await one('select count(*) from community_funds')).toBe(REGISTRY.communityFunds);
		expect(await one('select count(*) from charity_projects')).toBe(REGISTRY.charityProjects);
		expect(await one('select count(*) from departments')).toBe(REGISTRY.assistanceDepartments);
		expect(await one('select count(*) from assistance_items')).toBe(REGISTRY.assistanceItems);
	});

	it('has this year’s meal-subsidy beneficiaries and order amount exactly', async () => {
		expect(
			await one("select count(distinct elder_id) from meal_orders where ordered_on >= '2026-01-01'")
		).toBe(figures.mealBeneficiariesThisYear);
		// Summed in fen as integers: the calibrated amount is exact to the fen.
		expect(
			await one(
				"select sum(cast(round(amount * 100) as integer)) from meal_orders where ordered_on >= '2026-01-01'"
			)
		).toBe(Math.round(figures.mealOrderAmountThisYear * 100));
		expect(figures.mealOrderAmountThisYear).toBeGreaterThan(120_000_000 * SCALE);
		// About ten million orders a year at full scale: half a year here, at 1% scale.
		const orders = await one<number>("select count(*) from meal_orders where ordered_on >= '2026-01-01'");
		expect(orders).toBeGreaterThan(0.85 * 10_000_000 * SCALE * (181 / 365));
		expect(orders).toBeLessThan(1.15 * 10_000_000 * SCALE * (181 / 365));
	});

	it('has the renovations, resolved mediation cases, beneficiary visits and donations exactly', async () => {
		expect(await one("select count(*) from home_renovations where status = 'completed'")).toBe(
			figures.renovatedHouseholds
		);
		expect(
			await one(
				"select count(*) from mediation_cases where status = 'resolved' and closed_on >= '2026-01-01'"
			)
		).toBe(figures.mediationResolvedThisYear);
		expect(
			await one("select count(*) from mediation_cases where received_on >= '2026-01-01'")
		).toBeGreaterThanOrEqual(figures.mediationResolvedThisYear);
		expect(await one('select sum(beneficiary_visits) from charity_projects')).toBe(
			figures.charityBeneficiaryVisits
		);
		expect(await one('select sum(cast(round(amount * 100) as integer)) from donations')).toBe(
			Math.round(figures.donationsRaised * 100)
		);
	});
});

describe('a plausible Qingdao', () => {
	it('dips at Spring Festival and at weekends', async () => {
		const perDay = async (from: string, to: string) =>
			(await one<number>('select count(*) from meal_orders where ordered_on between ? and ?', from, to)) /
			(1 + (Date.parse(to) - Date.parse(from)) / 86_400_000);
		// 2026-02-17 is 春节; compare its week with the first full weeks of March.
		expect(await perDay('2026-02-16', '2026-02-22')).toBeLessThan(
			0.6 * (await perDay('2026-03-02', '2026-03-15'))
		);
		const weekday = await one<number>(
			"select count(*) from meal_orders where ordered_on >= '2026-03-01' and strftime('%w', ordered_on) = '3'"
		);
		const sunday = await one<number>(
			"select count(*) from meal_orders where ordered_on >= '2026-03-01' and strftime('%w', ordered_on) = '0'"
		);
		expect(sunday).toBeLessThan(0.75 * weekday);
	});

	it('puts more low-income people in the rural districts than in the core', async () => {
		const share = async (districts: string[]) =>
			one<number>(
				`select count(*) from persons where substr(township_code, 1, 6) in (${districts.map(() => '?').join(',')})`,
				...districts
			);
		// 平度市 alone outnumbers 市南区 and 市北区 together.
		expect(await share(['370283'])).toBeGreaterThan(await share(['370202', '370203']));
	});

	it('grows: more community stations open now than at the start of the history', async () => {
		const atStart = await one<number>(
			"select count(*) from service_facilities where kind = 'community_station' and opened_on < '2025-01-01'"
		);
		expect(atStart).toBeLessThan(REGISTRY.communityStations);
		expect(atStart).toBeGreaterThan(REGISTRY.communityStations * 0.6);
	});

	it('holds the personal data the ETL must remove: names, valid ID numbers, mobiles, addresses', async () => {
		const sample = (await db('persons').select('id_number', 'name', 'phone', 'address').limit(200)) as Record<
			string,
			string
		>[];
		for (const person of sample) {
			expect(isValidIdNumber(person.id_number!)).toBe(true);
			expect(person.name).toMatch(/^[\u4e00-\u9fa5]{2,4}$/);
			expect(person.phone).toMatch(/^1[3-9]\d{9}$/);
			expect(person.address).toMatch(/^山东省青岛市/);
		}
		const ids = await one<number>('select count(distinct id_number) from persons');
		expect(ids).toBe(await one<number>('select count(*) from persons'));
	});

	it('keeps every area code inside the seeds', async () => {
		const townships = new Set(
			fs
				.readFileSync(path.resolve('seeds/areas/areas_townships.csv'), 'utf8')
				.split('\n')
				.slice(1)
				.map((line) => line.split(',')[0])
		);
		for (const table of ['persons', 'children', 'elders', 'meal_orders', 'social_orgs', 'donations']) {
			const codes = (await db(table).distinct('township_code')).map((r) => r.township_code as string);
			expect(codes.filter((c) => !townships.has(c))).toEqual([]);
		}
	});
});

describe('determinism', () => {
	it('gives the same data for the same seed and different data for another', async () => {
		const again = path.join(dir, 'again.sqlite');
		const other = path.join(dir, 'other.sqlite');
		await generateDemo({ seed: 1, scale: SCALE, asOf: AS_OF, target: again, progress: 'quiet' });
		await generateDemo({ seed: 2, scale: SCALE, asOf: AS_OF, target: other, progress: 'quiet' });
		const sums = async (filename: string) => {
			const conn = knex({ client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true });
			try {
				return await checksumAll(conn);
			} finally {
				await conn.destroy();
			}
		};
		const first = await checksumAll(db);
		expect(await sums(again)).toEqual(first);
		const different = await sums(other);
		expect(different.persons!.sha256).not.toBe(first.persons!.sha256);
		// Registries keep their exact counts whatever the seed.
		expect(different.care_institutions!.rows).toBe(first.care_institutions!.rows);
	});

	it('keeps registry counts exact at another scale while people scale', async () => {
		const small = path.join(dir, 'small.sqlite');
		await generateDemo({ seed: 1, scale: 0.002, asOf: AS_OF, target: small, progress: 'quiet' });
		const conn = knex({ client: 'better-sqlite3', connection: { filename: small }, useNullAsDefault: true });
		try {
			const count = async (sql: string) =>
				Object.values(((await conn.raw(sql)) as Record<string, number>[])[0]!)[0];
			expect(await count("select count(*) from social_orgs where status = 'active'")).toBe(
				REGISTRY.communitySocialOrgs
			);
			expect(await count('select count(*) from care_institutions')).toBe(REGISTRY.careInstitutions);
			expect(await count("select count(*) from persons where status = 'monitored'")).toBe(
				scaleFigures(0.002).monitoredLowIncome
			);
		} finally {
			await conn.destroy();
		}
	});
});
