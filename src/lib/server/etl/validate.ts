/**
 * The checks a source row must pass before it reaches the raw layer. A failing row goes to the
 * quarantine with the reason; nothing is silently dropped. Reasons are stable codes.
 */
import { columnsToExtract, type DeclaredTable } from './declarations';
import type { SourceRow } from './pseudonymise';

export type QuarantineReason =
	| 'missing_key'
	| 'missing_value'
	| 'unknown_area_code'
	| 'negative_amount'
	| 'future_date'
	| 'invalid_value'
	| 'duplicate_key';

/** The days the warehouse's Date32 columns hold. */
const FIRST_DAY = '1900-01-01';
const LAST_DAY = '2299-12-31';

export interface Rejection {
	reason: QuarantineReason;
	detail: string;
}

export interface ValidationContext {
	townships: ReadonlySet<string>;
	communities: ReadonlySet<string>;
	/** Today in Qingdao (YYYY-MM-DD): nothing can have happened after it. */
	today: string;
}

export function validateRow(
	table: DeclaredTable,
	row: SourceRow,
	ctx: ValidationContext
): Rejection | undefined {
	if (row[table.primaryKey] === null || row[table.primaryKey] === undefined) {
		return { reason: 'missing_key', detail: `${table.primaryKey} is empty` };
	}
	for (const column of columnsToExtract(table)) {
		const value = row[column.name];
		if (value === null || value === undefined || value === '') {
			if (!column.nullable) {
				return { reason: 'missing_value', detail: `${column.name} is empty` };
			}
			continue;
		}
		if (column.area) {
			const known = column.area === 'township' ? ctx.townships : ctx.communities;
			if (!known.has(String(value)))
				return { reason: 'unknown_area_code', detail: `${column.name}=${String(value)}` };
		}
		switch (column.type) {
			case 'integer':
			case 'decimal': {
				const number = Number(value);
				if (!Number.isFinite(number))
					return { reason: 'invalid_value', detail: `${column.name} is not a number` };
				if (column.min !== undefined && number < column.min) {
					return { reason: 'negative_amount', detail: `${column.name}=${String(value)} < ${column.min}` };
				}
				break;
			}
			case 'date':
			case 'datetime': {
				const text = String(value);
				// A day that exists: '2026-02-30' parses (as 2 March), so it must also print back as itself.
				// And one the warehouse's Date32 holds, which would silently clamp 1850 to 1900.
				const day = Date.parse(text.slice(0, 10));
				if (
					!/^\d{4}-\d{2}-\d{2}/.test(text) ||
					Number.isNaN(day) ||
					new Date(day).toISOString().slice(0, 10) !== text.slice(0, 10) ||
					text.slice(0, 10) < FIRST_DAY ||
					text.slice(0, 10) > LAST_DAY
				) {
					return { reason: 'invalid_value', detail: `${column.name} is not a date` };
				}
				if (text.slice(0, 10) > ctx.today) {
					// A personal date (a birth date) is not repeated in the quarantine.
					const shown = column.pii === 'keep' ? `=${text.slice(0, 10)}` : '';
					return { reason: 'future_date', detail: `${column.name}${shown} is after ${ctx.today}` };
				}
				break;
			}
		}
	}
	return undefined;
}
