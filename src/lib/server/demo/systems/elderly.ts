/**
 * 养老服务平台: institutions, township centres and community stations, elders with meal subsidies and
 * their orders, age-friendly home renovations, capability assessments.
 *
 * Meal orders are the one big table (about ten million a year at full scale). They are planned in
 * compact arrays first — who orders on which day — then sorted by day and written in that order, so ids
 * and order numbers run with time as in the real system, and this year's amounts can be made to add up
 * to the calibrated figure exactly.
 */
import { REGISTRY } from '../calibration';
import { apportion, cumulativeWeights, type Random } from '../random';
import { getTable } from '../schema';
import {
	birthDateForAge,
	pickCommunity,
	qingdaoAddress,
	TownshipPicker,
	yuan,
	type TableJob,
	type World
} from '../world';
import type { Township } from '../../areas/types';

const OWNERSHIP = ['公办', '公建民营', '民办'] as const;
const LIVING = ['独居', '空巢', '与子女同住', '其他'] as const;
export const SUBSIDY_CATEGORIES = ['特困', '低保', '高龄', '普通'] as const;
/** Subsidy per meal in fen, by subsidy category. */
export const SUBSIDY_PER_MEAL = [1_000, 700, 500, 300] as const;
const CAPABILITY_LEVELS = ['能力完好', '轻度失能', '中度失能', '重度失能', '完全失能'] as const;

/** Orders per active day, by kind of eater; the rate multiplier below calibrates the year's volume. */
const EATER_RATES = [0.85, 0.45, 0.12] as const;
const EATER_SHARES = [0.3, 0.4, 0.3] as const;

export function elderlyJobs(world: World): TableJob[] {
	const { calendar, areas, figures } = world;
	const townships = areas.townships;

	// ---- Facilities: every township gets a station; the rest follow community counts.
	const stationsPerTownship = apportion(
		REGISTRY.communityStations - townships.length,
		townships.map((t) => Math.max(1, areas.communitiesOf(t.code).length))
	).map((n) => n + 1);
	const centreTownships = new Set(
		world
			.random('facilities.centres')
			.shuffle(townships.map((t) => t.code))
			.slice(0, REGISTRY.townshipCentres)
	);
	/** Facility ids per township, for elders to register at. */
	const facilitiesOf = new Map<string, number[]>(townships.map((t) => [t.code, []]));
	const facilityRows: unknown[][] = [];
	{
		const random = world.random('facilities');
		let id = 0;
		for (const t of townships) {
			if (!centreTownships.has(t.code)) continue;
			id++;
			const opened = random.chance(0.8) ? -random.int(1, 2_000) : random.int(0, calendar.lastDay);
			facilityRows.push([
				id,
				`ZX${t.code}`,
				'township_center',
				`${t.name}综合养老服务中心`,
				t.code,
				null,
				random.int(1_000, 3_200),
				calendar.iso(opened),
				calendar.timestamp(Math.max(0, opened), 36_000),
				0
			]);
			facilitiesOf.get(t.code)!.push(id);
		}
		townships.forEach((t, i) => {
			for (let n = 0; n < stationsPerTownship[i]!; n++) {
				id++;
				const community = pickCommunity(areas, t, random);
				// Stations keep opening: about a quarter opened during the demo's two years.
				const opened = random.chance(0.76) ? -random.int(1, 2_500) : random.int(0, calendar.lastDay);
				facilityRows.push([
					id,
					// 站 code: the community code without the province prefix, and the station's number in it.
					`ZD${community.code.slice(2)}${String(n).padStart(2, '0')}`,
					'community_station',
					`${community.name}养老服务站`,
					t.code,
					community.code,
					random.int(300, 900),
					calendar.iso(opened),
					calendar.timestamp(Math.max(0, opened), 36_000),
					0
				]);
				facilitiesOf.get(t.code)!.push(id);
			}
		});
	}

	const institutions: TableJob = {
		table: getTable('care_institutions'),
		expectedRows: REGISTRY.careInstitutions,
		*rows() {
			const random = world.random('care_institutions');
			const people = world.people('care_institutions');
			const picker = new TownshipPicker(areas, { core: 1.2, suburban: 1, rural: 0.8 });
			const integrated = new Set(
				random
					.shuffle(Array.from({ length: REGISTRY.careInstitutions }, (_, i) => i))
					.slice(0, REGISTRY.careInstitutionsMedicalIntegrated)
			);
			for (let i = 0; i < REGISTRY.careInstitutions; i++) {
				const t = picker.pick(random);
				const beds = random.int(6, 120) * 5;
				const opened = random.chance(0.9) ? -random.int(1, 5_000) : random.int(0, calendar.lastDay);
				yield [
					i + 1,
					`YL${t.districtCode}${String(i + 1).padStart(4, '0')}`,
					`青岛市${t.name}${random.pick(['颐养', '康乐', '福寿', '安康', '夕阳红', '松鹤'])}${random.pick(['养老院', '护理院', '颐养中心', '老年公寓'])}`,
					t.code,
					qingdaoAddress(areas, t, people.street(), random),
					`0532${random.int(80_000_000, 89_999_999)}`,
					random.pick(OWNERSHIP),
					beds,
					Math.round(beds * (0.45 + 0.45 * random.next())),
					integrated.has(i) ? 1 : 0,
					calendar.iso(opened),
					calendar.timestamp(random.int(Math.max(0, opened), calendar.lastDay), 36_000),
					0
				];
			}
		}
	};

	const facilities: TableJob = {
		table: getTable('service_facilities'),
		expectedRows: facilityRows.length,
		rows: () => facilityRows
	};

	// ---- Elders: this year's meal beneficiaries, plus last year's who did not come back.
	const beneficiaries = figures.mealBeneficiariesThisYear;
	const lastYearOnly = Math.round(beneficiaries * 0.12);
	const elderCount = beneficiaries + lastYearOnly;
	const elderTownship: Township[] = new Array(elderCount);
	const elderFacility = new Uint32Array(elderCount);
	const elderSubsidy = new Uint8Array(elderCount);
	const elderPicker = new TownshipPicker(areas, { core: 1.4, suburban: 1, rural: 0.75 });

	const elders: TableJob = {
		table: getTable('elders'),
		expectedRows: elderCount,
		*rows() {
			const random = world.random('elders');
			const people = world.people('elders');
			for (let i = 0; i < elderCount; i++) {
				const t = elderPicker.pick(random);
				const community = pickCommunity(areas, t, random);
				const male = random.chance(0.44);
				const birth = birthDateForAge(calendar, random, 60, 60 + Math.round(Math.abs(random.normal(0, 14))));
				const subsidy = random.pickWeighted(SUBSIDY_CATEGORIES, subsidyCumulative);
				const facility = random.pick(facilitiesOf.get(t.code)!);
				elderTownship[i] = t;
				elderFacility[i] = facility;
				elderSubsidy[i] = SUBSIDY_CATEGORIES.indexOf(subsidy);
				const registered = random.chance(0.6) ? -random.int(1, 1_500) : random.int(0, calendar.yearStartDay);
				yield [
					i + 1,
					world.idNumbers.issue(t.districtCode, birth, male),
					people.fullName(male),
					male ? '男' : '女',
					birth,
					people.mobile(),
					qingdaoAddress(areas, t, people.street(), random),
					t.code,
					community.code,
					facility,
					random.pick(LIVING),
					subsidy,
					calendar.iso(registered),
					calendar.timestamp(Math.max(0, registered), 36_000),
					0
				];
			}
		}
	};

	const plan = { orders: null as MealPlan | null };
	const mealOrdersEstimate = Math.round(
		(figures.mealOrdersPerYear * (calendar.lastDay + 1 - calendar.yearStartDay)) / 365 +
			figures.mealOrdersPerYear * 0.9 * (calendar.yearStartDay / 365)
	);
	const mealOrders: TableJob = {
		table: getTable('meal_orders'),
		expectedRows: mealOrdersEstimate,
		*rows() {
			const orders = (plan.orders ??= planMealOrders(world, beneficiaries, elderCount));
			const ytdCents = Math.round(figures.mealOrderAmountThisYear * 100);
			// This year's prices come from their own stream, so they can be drawn twice: once to learn how
			// far the raw total is from the calibrated one, once to write them scaled to it.
			const ytdPrices = () => world.random('meal_orders.price.this_year');
			let rawYtd = 0;
			{
				const random = ytdPrices();
				for (let k = orders.firstYtdIndex; k < orders.count; k++) rawYtd += rawPrice(random);
			}
			const factor = rawYtd > 0 ? ytdCents / rawYtd : 1;
			// Rounding each scaled price to the fen leaves a few fen over; the first orders absorb them.
			let residue = ytdCents;
			{
				const random = ytdPrices();
				for (let k = orders.firstYtdIndex; k < orders.count; k++)
					residue -= Math.round(rawPrice(random) * factor);
			}
			const lastYearPrices = world.random('meal_orders.price.last_year');
			const thisYearPrices = ytdPrices();
			const meta = world.random('meal_orders');
			for (let k = 0; k < orders.count; k++) {
				const day = orders.day[k]!;
				const elder = orders.elder[k]!;
				let cents: number;
				if (k < orders.firstYtdIndex) cents = rawPrice(lastYearPrices);
				else {
					cents = Math.round(rawPrice(thisYearPrices) * factor);
					if (residue !== 0) {
						const step = Math.sign(residue);
						cents += step;
						residue -= step;
					}
				}
				const subsidy = Math.min(cents, SUBSIDY_PER_MEAL[elderSubsidy[elder]!]!);
				const meal = meta.chance(0.82) ? '午餐' : '晚餐';
				yield [
					k + 1,
					`DC${calendar.iso(day).replaceAll('-', '')}${String(k + 1).padStart(9, '0')}`,
					elder + 1,
					elderFacility[elder]!,
					elderTownship[elder]!.code,
					calendar.iso(day),
					meal,
					yuan(cents),
					yuan(subsidy),
					calendar.timestamp(day, meal === '午餐' ? meta.int(37_800, 45_000) : meta.int(59_400, 66_600))
				];
			}
		}
	};

	// ---- Home renovations and capability assessments.
	const renovated = figures.renovatedHouseholds;
	const renovationTotal = renovated + Math.round(renovated * 0.08);
	const renovations: TableJob = {
		table: getTable('home_renovations'),
		expectedRows: renovationTotal,
		*rows() {
			const random = world.random('home_renovations');
			const households = random.shuffle(Array.from({ length: elderCount }, (_, i) => i));
			for (let i = 0; i < renovationTotal; i++) {
				const elder = households[i % elderCount]!;
				const done = i < renovated;
				// Completed ones are spread over the two years; unfinished ones started recently.
				const applied = done
					? random.int(-200, calendar.lastDay - 30)
					: random.int(calendar.lastDay - 60, calendar.lastDay);
				const completed = done ? Math.min(calendar.lastDay, Math.max(0, applied) + random.int(15, 90)) : null;
				const cost = random.int(3_000, 12_000) * 100;
				yield [
					i + 1,
					`SLH${String(i + 1).padStart(8, '0')}`,
					elder + 1,
					elderTownship[elder]!.code,
					calendar.iso(applied),
					completed === null ? null : calendar.iso(completed),
					done ? 'completed' : random.chance(0.5) ? 'in_progress' : 'applied',
					yuan(cost),
					yuan(Math.round(cost * 0.8)),
					calendar.timestamp(completed ?? Math.max(0, applied), 50_400)
				];
			}
		}
	};

	const assessmentCount = Math.round(elderCount * 0.3);
	const assessments: TableJob = {
		table: getTable('capability_assessments'),
		expectedRows: assessmentCount,
		*rows() {
			const random = world.random('capability_assessments');
			for (let i = 0; i < assessmentCount; i++) {
				const elder = random.int(0, elderCount - 1);
				const level = random.pickWeighted([0, 1, 2, 3, 4], levelCumulative);
				const day = random.int(0, calendar.lastDay);
				yield [
					i + 1,
					elder + 1,
					elderTownship[elder]!.code,
					calendar.iso(day),
					level,
					CAPABILITY_LEVELS[level],
					`青岛市${random.pick(['第一', '第二', '第三'])}老年能力评估中心`,
					calendar.timestamp(day, 54_000)
				];
			}
		}
	};

	return [institutions, facilities, elders, mealOrders, renovations, assessments];
}

interface MealPlan {
	count: number;
	/** Sorted by day, then by elder. */
	day: Uint16Array;
	elder: Uint32Array;
	/** Index of the first order in the as-of year. */
	firstYtdIndex: number;
}

/**
 * Decides who eats on which day. Every one of this year's beneficiaries orders at least once this year
 * (their first order day is drawn first); eaters differ in how often they come; weekends and the
 * Spring Festival week are quieter; the rate is scaled so the year's volume is about the calibrated one.
 */
function planMealOrders(world: World, beneficiaries: number, elderCount: number): MealPlan {
	const { calendar, figures } = world;
	const random = world.random('meal_orders.plan');
	const thisYearDays = calendar.lastDay - calendar.yearStartDay + 1;
	const first = new Int32Array(elderCount);
	const rate = new Float64Array(elderCount);
	const lastYearStart = new Int32Array(elderCount);
	let expected = 0;
	for (let e = 0; e < elderCount; e++) {
		const kind = random.pickWeighted([0, 1, 2], eaterCumulative);
		rate[e] = EATER_RATES[kind]!;
		// Most beneficiaries carry over from last year and start in January; others join through the year.
		first[e] =
			e < beneficiaries
				? calendar.yearStartDay + (random.chance(0.6) ? random.int(0, 6) : random.int(0, thisYearDays - 1))
				: -1;
		// Last year's eaters: three in four of this year's, and all of those who did not come back.
		const lastYear = e >= beneficiaries || random.chance(0.75);
		const carriedOver = random.chance(0.55);
		lastYearStart[e] = !lastYear
			? -1
			: carriedOver
				? random.int(0, 6)
				: random.int(0, calendar.yearStartDay - 1);
		if (first[e]! >= 0) expected += rate[e]! * (calendar.lastDay - first[e]! + 1) * 0.9;
	}
	const thisYearTarget = (figures.mealOrdersPerYear * thisYearDays) / 365;
	const multiplier = expected > 0 ? thisYearTarget / expected : 1;

	// Orders as (day, elder) pairs, grown in chunks; sorted by day with a counting sort afterwards.
	let capacity = Math.max(1_024, Math.round(thisYearTarget * 2.2));
	let days = new Uint16Array(capacity);
	let elders = new Uint32Array(capacity);
	let count = 0;
	const push = (day: number, elder: number) => {
		if (count === capacity) {
			capacity *= 2;
			const d = new Uint16Array(capacity);
			d.set(days);
			days = d;
			const e = new Uint32Array(capacity);
			e.set(elders);
			elders = e;
		}
		days[count] = day;
		elders[count++] = elder;
	};
	const accept = (day: number) =>
		(calendar.isSpringFestival(day) ? 0.3 : 1) * (calendar.isWeekend(day) ? 0.55 : 1);

	for (let e = 0; e < elderCount; e++) {
		const p = Math.min(0.97, rate[e]! * multiplier);
		if (lastYearStart[e]! >= 0) {
			// Last year's volume is about 90% of this year's: the programme is growing.
			walkDays(random, lastYearStart[e]!, calendar.yearStartDay - 1, p * 0.9, accept, (d) => push(d, e));
		}
		if (first[e]! >= 0) {
			push(first[e]!, e);
			walkDays(random, first[e]! + 1, calendar.lastDay, p, accept, (d) => push(d, e));
		}
	}

	// Counting sort by day keeps elders in ascending order within a day.
	const perDay = new Uint32Array(calendar.lastDay + 2);
	for (let k = 0; k < count; k++) perDay[days[k]! + 1]!++;
	for (let d = 1; d < perDay.length; d++) perDay[d]! += perDay[d - 1]!;
	const sortedDay = new Uint16Array(count);
	const sortedElder = new Uint32Array(count);
	const cursor = perDay.slice();
	for (let k = 0; k < count; k++) {
		const at = cursor[days[k]!]!++;
		sortedDay[at] = days[k]!;
		sortedElder[at] = elders[k]!;
	}
	return { count, day: sortedDay, elder: sortedElder, firstYtdIndex: perDay[calendar.yearStartDay]! };
}

/** Visits days from `from` to `to` at rate p, thinned by `accept(day)`, with geometric jumps. */
function walkDays(
	random: Random,
	from: number,
	to: number,
	p: number,
	accept: (day: number) => number,
	visit: (day: number) => void
): void {
	for (let d = from + random.geometric(p); d <= to; d += 1 + random.geometric(p)) {
		if (random.next() < accept(d)) visit(d);
	}
}

/** A meal's raw price in fen before calibration: 10–22 yuan, in 50-fen steps. */
function rawPrice(random: Random): number {
	return random.int(20, 44) * 50;
}

const subsidyCumulative = cumulativeWeights([0.08, 0.17, 0.35, 0.4]);
const eaterCumulative = cumulativeWeights([...EATER_SHARES]);
const levelCumulative = cumulativeWeights([0.55, 0.22, 0.12, 0.07, 0.04]);
