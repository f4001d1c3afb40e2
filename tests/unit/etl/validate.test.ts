import { describe, expect, it } from 'vitest';
import type { DeclaredTable } from '../../../src/lib/server/etl/declarations';
import { validateRow, type ValidationContext } from '../../../src/lib/server/etl/validate';

const table = {
	primaryKey: 'id',
	columns: [
		{ name: 'id', type: 'integer', pii: 'keep', nullable: false },
		{ name: 'township_code', type: 'string', pii: 'keep', nullable: false, area: 'township' },
		{ name: 'ordered_on', type: 'date', pii: 'keep', nullable: false },
		{ name: 'born_on', type: 'date', pii: 'year', nullable: true },
		{ name: 'amount', type: 'decimal', pii: 'keep', nullable: false, min: 0 },
		{ name: 'visited_on', type: 'date', pii: 'drop', nullable: false }
	]
} as unknown as DeclaredTable;

const context: ValidationContext = {
	townships: new Set(['370202001']),
	communities: new Set(),
	today: '2026-11-28'
};

const good = { id: 1, township_code: '370202001', ordered_on: '2026-11-27', born_on: null, amount: 12.5 };
const check = (change: Record<string, unknown>) => validateRow(table, { ...good, ...change }, context);

describe('validateRow', () => {
	it('passes a good row', () => {
		expect(check({})).toBeUndefined();
	});

	it('takes the first failing check, in column order', () => {
		expect(check({ township_code: 'X', amount: 'abc' })).toEqual({
			reason: 'unknown_area_code',
			detail: 'township_code=X'
		});
	});

	it.each([
		['2026-02-30', 'a day February does not have'],
		['2026-13-01', 'a month that does not exist'],
		['26-11-01', 'a year of two digits'],
		['1850-01-01', 'a day before the warehouse dates begin'],
		['2300-01-01', 'a day after they end']
	])('rejects %s (%s)', (day) => {
		expect(check({ ordered_on: day })).toEqual({
			reason: 'invalid_value',
			detail: 'ordered_on is not a date'
		});
	});

	it('accepts a leap day and a date with a time', () => {
		expect(check({ ordered_on: '2024-02-29' })).toBeUndefined();
		expect(check({ ordered_on: '2026-11-27 23:59:59' })).toBeUndefined();
	});

	it('names a future day, but not a personal one', () => {
		expect(check({ ordered_on: '2026-11-29' })).toEqual({
			reason: 'future_date',
			detail: 'ordered_on=2026-11-29 is after 2026-11-28'
		});
		expect(check({ born_on: '2027-01-01' })).toEqual({
			reason: 'future_date',
			detail: 'born_on is after 2026-11-28'
		});
	});

	it('tells text and negative amounts apart', () => {
		expect(check({ amount: '-5x' })).toEqual({ reason: 'invalid_value', detail: 'amount is not a number' });
		expect(check({ amount: -5 })).toEqual({ reason: 'negative_amount', detail: 'amount=-5 < 0' });
	});

	it('checks nothing of a dropped column, which is never read', () => {
		expect(check({ visited_on: '2026-13-45' })).toBeUndefined();
		expect(check({ visited_on: undefined })).toBeUndefined();
	});

	it('lets a nullable column be empty but not a required one', () => {
		expect(check({ born_on: '' })).toBeUndefined();
		expect(check({ amount: '' })).toEqual({ reason: 'missing_value', detail: 'amount is empty' });
	});
});
