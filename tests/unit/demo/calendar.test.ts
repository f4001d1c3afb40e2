import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { DemoCalendar, defaultAsOf, parseIsoDate } from '../../../src/lib/server/demo/calendar';

describe('the demo calendar', () => {
	const calendar = new DemoCalendar('2026-06-30');

	it('starts on 1 January of the year before the as-of date', () => {
		expect(calendar.iso(0)).toBe('2025-01-01');
		expect(calendar.iso(calendar.lastDay)).toBe('2026-06-30');
		expect(calendar.iso(calendar.yearStartDay)).toBe('2026-01-01');
		expect(calendar.iso(-1)).toBe('2024-12-31');
		expect(calendar.dayOf('2026-06-30')).toBe(calendar.lastDay);
	});

	it('knows weekdays and the Spring Festival week', () => {
		// 2026-06-27 is a Saturday, 2026-06-29 a Monday.
		expect(calendar.isWeekend(calendar.dayOf('2026-06-27'))).toBe(true);
		expect(calendar.isWeekend(calendar.dayOf('2026-06-29'))).toBe(false);
		expect(calendar.weekday(calendar.dayOf('2026-06-29'))).toBe(1);
		expect(calendar.isSpringFestival(calendar.dayOf('2026-02-17'))).toBe(true);
		expect(calendar.isSpringFestival(calendar.dayOf('2025-01-29'))).toBe(true);
		expect(calendar.isSpringFestival(calendar.dayOf('2026-04-01'))).toBe(false);
	});

	it('gives birth-date ranges by age at the as-of date', () => {
		const [latest, span] = calendar.birthDayRange(60, 60);
		expect(calendar.iso(latest)).toBe('1966-06-30');
		expect(calendar.iso(latest - span)).toBe('1965-07-01');
	});

	it('takes yesterday in Qingdao as the default as-of date', () => {
		// 17:00 UTC is already the next day in Asia/Shanghai.
		expect(defaultAsOf(DateTime.fromISO('2026-03-01T17:00:00Z'))).toBe('2026-03-01');
		expect(defaultAsOf(DateTime.fromISO('2026-03-01T15:00:00Z'))).toBe('2026-02-28');
	});

	it('accepts only real YYYY-MM-DD dates', () => {
		expect(parseIsoDate('2026-02-30')).toBeUndefined();
		expect(parseIsoDate('2026-2-3')).toBeUndefined();
		expect(parseIsoDate('2026-02-28')?.toISODate()).toBe('2026-02-28');
	});
});
