/**
 * Dates of the demo world, in the bureau's time zone (Asia/Shanghai). Days are counted as integers
 * from the start of the history so hot loops do arithmetic, not date objects; luxon converts at the edges.
 */
import { DateTime } from 'luxon';

export const BUREAU_TIME_ZONE = 'Asia/Shanghai';

/** Yesterday in Qingdao: the default as-of date. */
export function defaultAsOf(now: DateTime = DateTime.now()): string {
	return now.setZone(BUREAU_TIME_ZONE).minus({ days: 1 }).toISODate()!;
}

/** Today in Qingdao. */
export function todayInBureau(now: DateTime = DateTime.now()): string {
	return now.setZone(BUREAU_TIME_ZONE).toISODate()!;
}

/** Parses a strict YYYY-MM-DD date, or returns undefined. */
export function parseIsoDate(text: string): DateTime | undefined {
	if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
	const date = DateTime.fromISO(text, { zone: BUREAU_TIME_ZONE });
	return date.isValid ? date : undefined;
}

/**
 * 春节 (Spring Festival) dates: lunar new year does not follow from the Gregorian calendar, so the
 * few years the demo can cover are listed. Meal orders dip for the week around it.
 */
const SPRING_FESTIVAL: Record<number, string> = {
	2019: '2019-02-05',
	2020: '2020-01-25',
	2021: '2021-02-12',
	2022: '2022-02-01',
	2023: '2023-01-22',
	2024: '2024-02-10',
	2025: '2025-01-29',
	2026: '2026-02-17',
	2027: '2027-02-06',
	2028: '2028-01-26',
	2029: '2029-02-13',
	2030: '2030-02-03',
	2031: '2031-01-23',
	2032: '2032-02-11',
	2033: '2033-01-31',
	2034: '2034-02-19',
	2035: '2035-02-08'
};

export const SUPPORTED_YEARS = { first: 2020, last: 2035 } as const;

const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a civil date: plain arithmetic, no zones, so it is exact and fast. */
function epochDayOf(iso: string): number {
	return (
		Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / MS_PER_DAY
	);
}

function isoOfEpochDay(epochDay: number): string {
	return new Date(epochDay * MS_PER_DAY).toISOString().slice(0, 10);
}

/**
 * The demo's calendar: day 0 is 1 January of the year before the as-of year (about two years of
 * history, so year-on-year comparisons work), the last day is the as-of date. Hot loops count days as
 * integers; negative days lie before the history, days past `lastDay` are for ticks.
 */
export class DemoCalendar {
	readonly start: DateTime;
	readonly asOf: DateTime;
	/** Index of the as-of day. */
	readonly lastDay: number;
	/** Index of 1 January of the as-of year. */
	readonly yearStartDay: number;
	private readonly startEpochDay: number;
	private readonly festivalDays = new Set<number>();
	private readonly ageRanges = new Map<string, [latest: number, span: number]>();
	/** ISO strings of the history's days and a year past it: formatting dates is the hot loop's cost. */
	private readonly isoCache: string[] = [];

	constructor(asOf: string) {
		const parsed = parseIsoDate(asOf);
		if (!parsed) throw new Error(`as-of date "${asOf}" is not a valid YYYY-MM-DD date`);
		this.asOf = parsed;
		this.start = parsed.minus({ years: 1 }).startOf('year');
		this.startEpochDay = epochDayOf(this.start.toISODate()!);
		this.lastDay = this.dayOf(asOf);
		this.yearStartDay = this.dayOf(`${parsed.year}-01-01`);
		for (let year = this.start.year; year <= parsed.year + 1; year++) {
			const festival = SPRING_FESTIVAL[year];
			if (!festival) continue;
			const day = this.dayOf(festival);
			for (let offset = -3; offset <= 6; offset++) this.festivalDays.add(day + offset);
		}
	}

	/** YYYY-MM-DD of a day index. */
	iso(day: number): string {
		if (day < 0 || day > this.lastDay + 366) return isoOfEpochDay(this.startEpochDay + day);
		return (this.isoCache[day] ??= isoOfEpochDay(this.startEpochDay + day));
	}

	/** Day index of a YYYY-MM-DD date. */
	dayOf(iso: string): number {
		return epochDayOf(iso) - this.startEpochDay;
	}

	/** 'YYYY-MM-DD HH:mm:ss' at a number of seconds into the day. */
	timestamp(day: number, secondOfDay: number): string {
		const s = Math.max(0, Math.min(86_399, Math.floor(secondOfDay)));
		const hh = String(Math.floor(s / 3600)).padStart(2, '0');
		const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
		const ss = String(s % 60).padStart(2, '0');
		return `${this.iso(day)} ${hh}:${mm}:${ss}`;
	}

	/** 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
	weekday(day: number): number {
		return ((((this.startEpochDay + day + 3) % 7) + 7) % 7) + 1;
	}

	isWeekend(day: number): boolean {
		return this.weekday(day) >= 6;
	}

	isSpringFestival(day: number): boolean {
		return this.festivalDays.has(day);
	}

	/**
	 * The range of day indexes of birth dates of people aged minAge to maxAge (whole years) at the
	 * as-of date, as [latest, span]: born on latest − k for k in 0..span.
	 */
	birthDayRange(minAge: number, maxAge: number): [latest: number, span: number] {
		const key = `${minAge}:${maxAge}`;
		let range = this.ageRanges.get(key);
		if (!range) {
			const latest = this.dayOf(this.asOf.minus({ years: minAge }).toISODate()!);
			const earliest = this.dayOf(this.asOf.minus({ years: maxAge + 1 }).toISODate()!) + 1;
			range = [latest, Math.max(0, latest - earliest)];
			this.ageRanges.set(key, range);
		}
		return range;
	}
}
