/**
 * The figures the demo must reproduce (DESIGN.md §8, from the bureau's own report, seed/GIST.md).
 * Registries (institutions, organisations, committees, funds…) are exact at every scale; people and
 * events are multiplied by the scale factor and rounded. Where the report says "over" (千余起,
 * 2000多万元, 1.2亿元以上), the demo picks a definite figure a little above, so tests can check exact
 * equality through the whole pipeline.
 */

/** Counted at the as-of date. */
export const REGISTRY = {
	assistanceDepartments: 12,
	assistanceItems: 28,
	careInstitutions: 302,
	careInstitutionsMedicalIntegrated: 284,
	townshipCentres: 139,
	communityStations: 1_032,
	/** Target for community stations by the end of the as-of year (not a count in the data). */
	communityStationsTarget: 1_300,
	communitySocialOrgs: 18_000,
	mediationCommittees: 213,
	charityOrgs: 103,
	charityOrgsTaxDeductible: 34,
	communityFunds: 354,
	/** 200+ charity service projects. */
	charityProjects: 216
} as const;

/** At scale 1.0; multiplied by the scale. */
export const PEOPLE_AND_EVENTS = {
	/** Monitored low-income people at the as-of date (56.6万). */
	monitoredLowIncome: 566_000,
	/** Floating-children records (15.7万). */
	floatingChildren: 157_000,
	/** Distinct elders with a meal-subsidy order this year, up to the as-of date (25.9万). */
	mealBeneficiariesThisYear: 259_000,
	/** Meal order amount this year, in yuan: "over 1.2亿". */
	mealOrderAmountThisYear: 122_400_000,
	/** About 10 million meal orders a year. */
	mealOrdersPerYear: 10_000_000,
	/** Households with a completed age-friendly home renovation (1.6万). */
	renovatedHouseholds: 16_000,
	/** Mediation cases resolved this year: "over a thousand" (千余起). */
	mediationResolvedThisYear: 1_060,
	/** Beneficiary visits of charity projects (10万人次). */
	charityBeneficiaryVisits: 100_000,
	/** Donations raised over the demo's two years, in yuan: "over 20 million" (2000多万元). */
	donationsRaised: 21_000_000
} as const;

export type ScaledFigures = { -readonly [K in keyof typeof PEOPLE_AND_EVENTS]: number };

/** People and events at a scale; money is rounded to the fen (0.01 yuan), counts to whole numbers. */
export function scaleFigures(scale: number): ScaledFigures {
	const out = {} as ScaledFigures;
	for (const [key, value] of Object.entries(PEOPLE_AND_EVENTS) as [keyof ScaledFigures, number][]) {
		const money = key === 'mealOrderAmountThisYear' || key === 'donationsRaised';
		out[key] = money ? Math.round(value * scale * 100) / 100 : Math.max(1, Math.round(value * scale));
	}
	return out;
}

export const MIN_SCALE = 0.0005;
export const MAX_SCALE = 4;
