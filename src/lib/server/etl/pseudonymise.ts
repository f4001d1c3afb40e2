/**
 * Personal data is removed before a row leaves the ETL's memory: dropped columns vanish, ID numbers
 * become an HMAC-SHA256 under a secret key (the same person gets the same hash in every system and
 * every night, so people can be counted distinctly and followed over time, but the number cannot be
 * recovered without the key), birth dates become birth years.
 */
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { rawColumns, type DeclaredTable } from './declarations';

/** Reads the key, or creates it (owner read/write only) on first use. */
export function loadOrCreateKey(file: string): Buffer {
	if (fs.existsSync(file)) {
		const text = fs.readFileSync(file, 'utf8').trim();
		if (!/^[0-9a-f]{64}$/.test(text)) {
			throw new Error(
				`The pseudonym key ${file} is not 64 hex characters. Restore it from backup: without the original key, people can no longer be matched across nights.`
			);
		}
		return Buffer.from(text, 'hex');
	}
	fs.mkdirSync(path.dirname(file), { recursive: true });
	const key = randomBytes(32);
	// `wx`: never overwrite a key another process created meanwhile.
	fs.writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
	return key;
}

export type SourceRow = Record<string, unknown>;

export interface Pseudonymiser {
	/** The raw table's row (positional, in rawColumns order), personal data removed. */
	toRawValues(table: DeclaredTable, row: SourceRow): unknown[];
	hash(value: string): string;
}

export function createPseudonymiser(key: Buffer): Pseudonymiser {
	const hash = (value: string) => createHmac('sha256', key).update(value.trim().toUpperCase()).digest('hex');
	const layouts = new WeakMap<DeclaredTable, ReturnType<typeof rawColumns>>();
	return {
		hash,
		toRawValues(table, row) {
			let layout = layouts.get(table);
			if (!layout) layouts.set(table, (layout = rawColumns(table)));
			return layout.map(({ source }) => {
				const value = row[source.name];
				if (value === null || value === undefined) return null;
				switch (source.pii) {
					case 'hash':
						return hash(String(value));
					case 'year':
						return Number(String(value).slice(0, 4));
					default:
						return value;
				}
			});
		}
	};
}
