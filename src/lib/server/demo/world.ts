/**
 * The shared facts of one generated demo world: seed, scale, calendar, areas, scaled figures, and
 * helpers every system uses to place people and things in Qingdao's townships.
 */
import type { Areas, Community, Township, Urbanity } from '../areas/types';
import type { DemoCalendar } from './calendar';
import { scaleFigures, type ScaledFigures } from './calibration';
import { createFakePeople, IdNumberRegistry, type FakePeople } from './identity';
import { createRandom, cumulativeWeights, type Random } from './random';
import type { Table } from './schema';

export interface World {
	seed: number;
	scale: number;
	calendar: DemoCalendar;
	areas: Areas;
	figures: ScaledFigures;
	/** One registry across systems, so no two people share an ID number. */
	idNumbers: IdNumberRegistry;
	random(stream: string): Random;
	people(stream: string): FakePeople;
}

export function createWorld(seed: number, scale: number, calendar: DemoCalendar, areas: Areas): World {
	return {
		seed,
		scale,
		calendar,
		areas,
		figures: scaleFigures(scale),
		idNumbers: new IdNumberRegistry(),
		random: (stream) => createRandom(seed, stream),
		people: (stream) => createFakePeople(seed, stream)
	};
}

/** A table to fill: rows come lazily, in id order, so memory stays flat however large the table. */
export interface TableJob {
	table: Table;
	/** For the progress bar. */
	expectedRows: number;
	rows(): Iterable<unknown[]>;
}

/** How much of something each kind of district holds, per township (relative weights). */
export type UrbanityProfile = Record<Urbanity, number>;

/** Townships with a weight each, for placing people where they plausibly live. */
export class TownshipPicker {
	readonly townships: readonly Township[];
	private readonly cumulative: Float64Array;

	constructor(
		areas: Areas,
		profile: UrbanityProfile,
		kindBoost: Partial<Record<Township['kind'], number>> = {}
	) {
		this.townships = areas.townships;
		const weights = areas.townships.map((t) => {
			const district = areas.districtByCode.get(t.districtCode)!;
			// Bigger townships have more communities; the count is the best size proxy offline.
			const size = Math.max(1, areas.communitiesOf(t.code).length) ** 0.5;
			return profile[district.urbanity] * (kindBoost[t.kind] ?? 1) * size;
		});
		this.cumulative = cumulativeWeights(weights);
	}

	pick(random: Random): Township {
		return random.pickWeighted(this.townships, this.cumulative);
	}
}

/** A community of the township, or a stand-in code when the seed lists none for it. */
export function pickCommunity(areas: Areas, township: Township, random: Random): Community {
	const communities = areas.communitiesOf(township.code);
	if (communities.length === 0) {
		return { code: `${township.code}001`, name: township.name, townshipCode: township.code, kind: '社区' };
	}
	return random.pick(communities);
}

export function qingdaoAddress(areas: Areas, township: Township, street: string, random: Random): string {
	const district = areas.districtByCode.get(township.districtCode)!;
	return `山东省青岛市${district.name}${township.name}${street}${random.int(1, 399)}号${random.int(1, 30)}-${random.int(1, 6)}0${random.int(1, 4)}`;
}

/** Birth date (YYYY-MM-DD) of someone aged between minAge and maxAge (whole years) at the as-of date. */
export function birthDateForAge(
	calendar: DemoCalendar,
	random: Random,
	minAge: number,
	maxAge: number
): string {
	const [latest, span] = calendar.birthDayRange(minAge, maxAge);
	return calendar.iso(latest - random.int(0, span));
}

export function yuan(cents: number): string {
	return (cents / 100).toFixed(2);
}

/** A plausible 统一社会信用代码 shape (18 characters); not checksummed, it is an organisation's code. */
export function creditCode(random: Random, districtCode: string, prefix: string): string {
	const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY';
	let tail = '';
	for (let i = 0; i < 9; i++) tail += chars[random.int(0, chars.length - 1)];
	return `${prefix}${districtCode}${tail}`.slice(0, 18).padEnd(18, '0');
}
