/**
 * Seed CSVs: read with csv-parse (UTF-8 with or without BOM, LF or CRLF, quoted fields with commas and
 * newlines), ragged rows rejected with their line, column types inferred from the values unless
 * declared in YAML.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { ProjectError } from './errors';
import type { SeedColumn, SeedRow, SeedType } from './types';

export interface SeedData {
	columns: SeedColumn[];
	rows: SeedRow[];
}

export function readSeed(projectDir: string, file: string, declared: Record<string, string> = {}): SeedData {
	let records: string[][];
	try {
		records = parse(fs.readFileSync(path.join(projectDir, file)), {
			bom: true,
			relax_column_count: false,
			skip_empty_lines: true
		}) as string[][];
	} catch (error) {
		const line = (error as { lines?: number }).lines;
		const reason = (error as Error).message.replace(/^Invalid Record Length: /, '');
		throw new ProjectError(
			`cannot read the CSV: ${reason}. Every row needs as many fields as the header.`,
			file,
			line,
			{
				cause: error
			}
		);
	}
	const [header, ...body] = records;
	if (!header || header.length === 0) throw new ProjectError('the CSV has no header row', file, 1);
	const names = header.map((h) => h.trim());
	const duplicate = names.find((n, i) => names.indexOf(n) !== i);
	if (duplicate) throw new ProjectError(`column '${duplicate}' appears twice in the header`, file, 1);
	for (const name of Object.keys(declared)) {
		if (!names.includes(name)) {
			throw new ProjectError(
				`column_types names '${name}', which is not a column of this CSV (columns: ${names.join(', ')})`,
				file
			);
		}
	}
	const rows: SeedRow[] = body.map((record) => record.map((value) => (value === '' ? null : value)));
	const columns = names.map((name, i) => {
		const values = rows.map((r) => r[i] ?? null);
		return {
			name,
			type: inferType(values),
			declared: declared[name],
			nullable: values.some((v) => v === null)
		};
	});
	return { columns, rows };
}

const INTEGER = /^-?\d{1,18}$/;
const FLOAT = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const BOOLEAN = /^(true|false)$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * The narrowest type every non-empty value fits. Codes with leading zeros (e.g. '001') stay text:
 * reading them as numbers would lose the zeros.
 */
export function inferType(values: (string | null)[]): SeedType {
	const present = values.filter((v): v is string => v !== null);
	if (present.length === 0) return 'string';
	const every = (test: (v: string) => boolean) => present.every(test);
	const noLeadingZero = (v: string) => !/^-?0\d/.test(v);
	if (every((v) => INTEGER.test(v) && noLeadingZero(v))) return 'integer';
	if (every((v) => FLOAT.test(v) && noLeadingZero(v))) return 'float';
	if (every((v) => BOOLEAN.test(v))) return 'boolean';
	if (every((v) => DATE.test(v) && isRealDate(v))) return 'date';
	if (every((v) => DATETIME.test(v) && isRealDate(v.slice(0, 10)))) return 'datetime';
	return 'string';
}

/** Date.parse rolls 2026-02-30 over into March; a real date survives the round trip. */
function isRealDate(ymd: string): boolean {
	const date = new Date(`${ymd}T00:00:00Z`);
	return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === ymd;
}
