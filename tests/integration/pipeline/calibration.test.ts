/**
 * End to end at a small scale: generate the operational systems → run the nightly pipeline → query
 * the published marts. Every calibration figure of DESIGN.md §8 comes out exactly as the generator put
 * it in: registries exact at every scale, people and events exact at this scale.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/lib/server/config';
import { REGISTRY, scaleFigures } from '../../../src/lib/server/demo/calibration';
import { generateDemo } from '../../../src/lib/server/demo/generate';
import { runPipeline } from '../../../src/lib/server/pipeline/run-pipeline';
import { createWarehouse, type Warehouse } from '../../../src/lib/server/warehouse';

const SCALE = 0.004;
const AS_OF = '2026-06-30';
const figures = scaleFigures(SCALE);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'calibration-'));
let warehouse: Warehouse;

/** The single value of a query's single row. */
const value = async (sql: string): Promise<number> =>
	Number(Object.values((await warehouse.query<Record<string, string>>(sql))[0] ?? {})[0]);

beforeAll(async () => {
	const config = loadConfig({ DATA_DIR: dataDir, PIPELINE_SCHEDULE: 'off' });
	await generateDemo({
		seed: 1,
		scale: SCALE,
		asOf: AS_OF,
		target: config.demoSourcePath,
		progress: 'quiet'
	});
	warehouse = await createWarehouse(config.warehouse);
	const outcome = await runPipeline({ warehouse, config, trigger: 'manual' });
	expect(outcome.status, outcome.message).toBe('success');
});

afterAll(async () => {
	await warehouse?.close();
	fs.rmSync(dataDir, { recursive: true, force: true });
});

const latest = (table: string) => `(SELECT max(month) FROM marts.${table})`;
const thisYear = "day >= toStartOfYear(toDate('2026-06-30'))";

describe(`the published marts reproduce the bureau's figures (scale ${SCALE})`, () => {
	it('knows its data date', async () => {
		expect(
			(
				await warehouse.query<{ d: string }>(
					'SELECT toString(data_date) AS d FROM intermediate.int_data_date'
				)
			)[0]!.d
		).toBe(AS_OF);
	});

	it('社会救助: monitored low-income people', async () => {
		expect(
			await value(
				`SELECT sum(monitored) FROM marts.assistance_population_monthly WHERE month = ${latest('assistance_population_monthly')}`
			)
		).toBe(figures.monitoredLowIncome);
	});

	it('儿童: floating-children records', async () => {
		expect(
			await value("SELECT sum(records) FROM marts.children_by_township WHERE category = '流动儿童'")
		).toBe(figures.floatingChildren);
	});

	it('养老: institutions, 医养结合, township centres, community stations', async () => {
		const month = latest('elderly_institutions_monthly');
		expect(
			await value(`SELECT sum(institutions) FROM marts.elderly_institutions_monthly WHERE month = ${month}`)
		).toBe(REGISTRY.careInstitutions);
		expect(
			await value(
				`SELECT sum(medical_integrated) FROM marts.elderly_institutions_monthly WHERE month = ${month}`
			)
		).toBe(REGISTRY.careInstitutionsMedicalIntegrated);
		const facilities = (kind: string) =>
			value(
				`SELECT sum(facilities) FROM marts.elderly_facilities_monthly WHERE month = ${latest('elderly_facilities_monthly')} AND facility_kind = '${kind}'`
			);
		expect(await facilities('township_center')).toBe(REGISTRY.townshipCentres);
		expect(await facilities('community_station')).toBe(REGISTRY.communityStations);
	});

	it('养老: meal-subsidy beneficiaries and order amount this year, renovated households', async () => {
		expect(
			await value(
				`SELECT uniqExactMerge(elders_state) FROM marts.elderly_meal_orders_daily WHERE ${thisYear}`
			)
		).toBe(figures.mealBeneficiariesThisYear);
		expect(
			await value(`SELECT toString(sum(amount)) FROM marts.elderly_meal_orders_daily WHERE ${thisYear}`)
		).toBe(figures.mealOrderAmountThisYear);
		expect(await value('SELECT sum(completed) FROM marts.elderly_renovations_monthly')).toBe(
			figures.renovatedHouseholds
		);
	});

	it('社区: social organisations, mediation committees, resolved cases this year', async () => {
		expect(
			await value(
				`SELECT sum(active) FROM marts.community_social_orgs_monthly WHERE month = ${latest('community_social_orgs_monthly')}`
			)
		).toBe(REGISTRY.communitySocialOrgs);
		expect(await value('SELECT sum(committees) FROM marts.community_mediation_committees')).toBe(
			REGISTRY.mediationCommittees
		);
		expect(
			await value(`SELECT sum(resolved) FROM marts.community_mediation_cases_daily WHERE ${thisYear}`)
		).toBe(figures.mediationResolvedThisYear);
	});

	it('慈善: organisations, tax-deductible ones, funds, projects, beneficiary visits, donations', async () => {
		expect(await value('SELECT sum(orgs) FROM marts.charity_orgs')).toBe(REGISTRY.charityOrgs);
		expect(await value('SELECT sum(tax_deductible) FROM marts.charity_orgs')).toBe(
			REGISTRY.charityOrgsTaxDeductible
		);
		expect(await value('SELECT sum(funds) FROM marts.charity_funds')).toBe(REGISTRY.communityFunds);
		expect(await value('SELECT sum(projects) FROM marts.charity_projects')).toBe(REGISTRY.charityProjects);
		expect(await value('SELECT sum(beneficiary_visits) FROM marts.charity_projects')).toBe(
			figures.charityBeneficiaryVisits
		);
		expect(await value('SELECT toString(sum(amount)) FROM marts.charity_donations_daily')).toBe(
			figures.donationsRaised
		);
	});

	it('holds the figures through drill-down: districts add up to the city', async () => {
		const byDistrict = await warehouse.query<{ district_code: string; n: string }>(
			`SELECT district_code, toString(sum(monitored)) AS n FROM marts.assistance_population_monthly WHERE month = ${latest('assistance_population_monthly')} GROUP BY district_code ORDER BY district_code`
		);
		expect(byDistrict).toHaveLength(10);
		expect(byDistrict.reduce((total, d) => total + Number(d.n), 0)).toBe(figures.monitoredLowIncome);
	});
});
