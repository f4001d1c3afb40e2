import { describe, expect, it } from 'vitest';
import {
	IdNumberRegistry,
	idNumberCheckChar,
	isValidIdNumber,
	makeIdNumber
} from '../../../src/lib/server/demo/identity';

describe('resident ID numbers', () => {
	it('computes the GB 11643 check character', () => {
		// The standard's own worked example: 11010519491231002X.
		expect(idNumberCheckChar('11010519491231002')).toBe('X');
		expect(isValidIdNumber('11010519491231002X')).toBe(true);
		expect(isValidIdNumber('110105194912310021')).toBe(false);
	});

	it('encodes area, birth date and sex', () => {
		const id = makeIdNumber('370202', '1950-03-07', 4, true);
		expect(id).toMatch(/^37020219500307\d{4}$|^37020219500307\d{3}X$/);
		expect(Number(id[16]) % 2).toBe(1);
		expect(Number(makeIdNumber('370202', '1950-03-07', 4, false)[16]) % 2).toBe(0);
		expect(isValidIdNumber(id)).toBe(true);
	});

	it('never issues the same number twice', () => {
		const registry = new IdNumberRegistry();
		const issued = new Set<string>();
		for (let i = 0; i < 1_000; i++) issued.add(registry.issue('370211', '1960-01-01', i % 2 === 0));
		expect(issued.size).toBe(1_000);
		expect(() => registry.issue('370211', '1960-01-01', true)).toThrow(/more than 500/);
	});
});
