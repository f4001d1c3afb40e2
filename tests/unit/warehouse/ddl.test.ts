import { describe, expect, it } from 'vitest';
import { quoteIdentifier } from '$lib/server/warehouse';

describe('quoteIdentifier', () => {
	it('wraps names in backticks', () => {
		expect(quoteIdentifier('marts')).toBe('`marts`');
		expect(quoteIdentifier('民政 数据')).toBe('`民政 数据`');
	});

	it('escapes backticks and backslashes so a name cannot end the quote', () => {
		expect(quoteIdentifier('a`b')).toBe('`a\\`b`');
		expect(quoteIdentifier('a\\')).toBe('`a\\\\`');
		expect(quoteIdentifier('x` ; DROP TABLE y; --')).toBe('`x\\` ; DROP TABLE y; --`');
	});

	it('rejects empty names and NUL characters', () => {
		expect(() => quoteIdentifier('')).toThrow(/empty/);
		expect(() => quoteIdentifier('a\0b')).toThrow(/NUL/);
	});
});
