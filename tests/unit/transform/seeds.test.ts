import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProjectError } from '../../../src/lib/server/transform/errors';
import { inferType, readSeed } from '../../../src/lib/server/transform/seeds';

function writeSeed(content: string | Buffer): { dir: string; file: string } {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-'));
	fs.writeFileSync(path.join(dir, 'data.csv'), content);
	return { dir, file: 'data.csv' };
}

describe('seed type inference', () => {
	it('picks the narrowest type every value fits', () => {
		expect(inferType(['1', '-20', null])).toBe('integer');
		expect(inferType(['1', '2.5'])).toBe('float');
		expect(inferType(['true', 'FALSE'])).toBe('boolean');
		expect(inferType(['2026-01-31', null])).toBe('date');
		expect(inferType(['2026-01-31 08:00:00', '2026-02-01T09:30'])).toBe('datetime');
		expect(inferType(['2026-02-30'])).toBe('string');
		expect(inferType([null, null])).toBe('string');
	});

	it('keeps codes with leading zeros as text', () => {
		expect(inferType(['001', '002'])).toBe('string');
		expect(inferType(['0.5', '1'])).toBe('float');
	});
});

describe('reading seed CSVs', () => {
	it('reads BOM, CRLF, quoted commas and newlines, and empty fields as null', () => {
		const { dir, file } = writeSeed(
			Buffer.from('\ufeffid,name,note\r\n1,"a, b","two\r\nlines"\r\n2,张三,\r\n', 'utf8')
		);
		const seed = readSeed(dir, file);
		expect(seed.columns.map((c) => [c.name, c.type, c.nullable])).toEqual([
			['id', 'integer', false],
			['name', 'string', false],
			['note', 'string', true]
		]);
		expect(seed.rows).toEqual([
			['1', 'a, b', 'two\r\nlines'],
			['2', '张三', null]
		]);
	});

	it('takes declared types and rejects one naming a missing column', () => {
		const { dir, file } = writeSeed('code,n\n370202,1\n');
		expect(readSeed(dir, file, { code: 'text' }).columns[0]).toMatchObject({
			name: 'code',
			declared: 'text'
		});
		expect(() => readSeed(dir, file, { cod: 'text' })).toThrow(/column_types names 'cod'.*columns: code, n/);
	});

	it('rejects a ragged row with its line', () => {
		const { dir, file } = writeSeed('a,b\n1,2\n3\n');
		try {
			readSeed(dir, file);
			expect.unreachable();
		} catch (error) {
			expect(error).toBeInstanceOf(ProjectError);
			expect((error as Error).message).toMatch(
				/^data\.csv:3: cannot read the CSV.*as many fields as the header/
			);
		}
	});

	it('rejects a duplicated header column', () => {
		const { dir, file } = writeSeed('a,a\n1,2\n');
		expect(() => readSeed(dir, file)).toThrow(/column 'a' appears twice/);
	});
});
