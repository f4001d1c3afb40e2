import { describe, expect, it } from 'vitest';
import { TABLES } from '../../../src/lib/server/demo/schema';
import { loadDeclarations, rawColumns } from '../../../src/lib/server/etl/declarations';

const declarations = loadDeclarations();

describe('the sources YAML declares every operational table', () => {
	it('covers each table of the five systems, with every column but the soft-delete flag', () => {
		const byTable = new Map(declarations.map((d) => [d.sourceTable, d]));
		expect([...byTable.keys()].sort()).toEqual(TABLES.map((t) => t.name).sort());
		for (const table of TABLES) {
			const declared = byTable.get(table.name)!;
			expect(declared.system, table.name).toBe(table.system);
			expect(declared.rawTable).toBe(`${table.system}__${table.name}`);
			const expected = table.columns.map((c) => c.name).filter((n) => n !== declared.softDelete);
			expect(
				declared.columns.map((c) => c.name),
				table.name
			).toEqual(expected);
			for (const column of table.columns.filter((c) => c.name !== declared.softDelete)) {
				expect(
					declared.columns.find((c) => c.name === column.name)!.nullable,
					`${table.name}.${column.name}`
				).toBe(column.nullable ?? false);
			}
		}
	});

	it('never keeps personal data: names of people, phones, addresses, ID numbers, birth dates', () => {
		const personal = /(^|_)(phone|address)$|^(guardian|applicant|donor)_name$|^id_number$|^birth_date$/;
		const peopleTables = new Set(['persons', 'children', 'elders']);
		for (const table of declarations) {
			for (const column of table.columns) {
				const isPersonal =
					personal.test(column.name) || (column.name === 'name' && peopleTables.has(table.sourceTable));
				if (isPersonal) expect(column.pii, `${table.sourceTable}.${column.name}`).not.toBe('keep');
			}
		}
	});

	it('maps columns to the raw table: hashed, reduced to a year, or dropped', () => {
		const persons = declarations.find((d) => d.sourceTable === 'persons')!;
		const names = rawColumns(persons).map((c) => c.name);
		expect(names).toContain('id_number_hash');
		expect(names).toContain('birth_year');
		for (const gone of ['id_number', 'name', 'phone', 'address', 'birth_date'])
			expect(names).not.toContain(gone);
	});

	it('names a business key where the source has one', () => {
		expect(declarations.find((d) => d.sourceTable === 'meal_orders')!.naturalKey).toBe('order_no');
	});
});
