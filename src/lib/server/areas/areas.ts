/**
 * Reads the area seeds (`seeds/areas/*.csv`, written by `scripts/extract-areas.ts`) into frozen, typed
 * rows with lookup helpers. Used by the demo generator, the ETL and the dashboard.
 *
 * Synchronous on purpose: the four files hold about 2,300 rows, and callers read them once at start-up.
 * Every row is checked (code shape, allowed values, parent present), so a broken seed fails at load with
 * one line naming the file instead of surfacing later as an empty chart.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import type {
	AreaLevel,
	Areas,
	City,
	Community,
	CommunityKind,
	District,
	DistrictKind,
	Township,
	TownshipKind,
	Urbanity
} from './types';

/**
 * Relative to this module rather than `process.cwd()`, so scripts and tests find the seeds from any
 * directory. A bundled build (adapter-node) moves this file; there the app runs from the project
 * directory, so `seeds/areas` under the working directory is the fallback.
 */
const moduleSeedDir = fileURLToPath(new URL('../../../../seeds/areas', import.meta.url));
const defaultSeedDir = existsSync(moduleSeedDir) ? moduleSeedDir : path.resolve('seeds/areas');

/** A seed file is missing or malformed; the message is one line naming the file. */
export class AreasError extends Error {
	override name = 'AreasError';
}

type Row = Record<string, string>;

/** One parsed seed file; its path goes into every error message. */
interface SeedFile {
	file: string;
	rows: Row[];
}

const citySuffix = '00';

export function areaLevel(code: string): AreaLevel {
	if (/^\d{6}$/.test(code)) return code.endsWith(citySuffix) ? 'city' : 'district';
	if (/^\d{9}$/.test(code)) return 'township';
	if (/^\d{12}$/.test(code)) return 'community';
	throw new AreasError(`not an area code: ${JSON.stringify(code)} (expected 6, 9 or 12 digits)`);
}

function readSeed(seedDir: string, name: string, columns: readonly string[]): SeedFile {
	const file = path.join(seedDir, name);
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
	} catch (error) {
		const reason = (error as NodeJS.ErrnoException).code ?? String(error);
		throw new AreasError(`${file}: cannot read area seed (${reason})`);
	}
	let rows: Row[];
	try {
		rows = parse(text, {
			columns: (header: string[]) => {
				if (header.join(',') !== columns.join(',')) {
					throw new Error(`header is ${header.join(',')}, expected ${columns.join(',')}`);
				}
				return header;
			},
			skip_empty_lines: true
		});
	} catch (error) {
		throw new AreasError(`${file}: malformed CSV: ${(error as Error).message.split('\n')[0]}`);
	}
	if (rows.length === 0) throw new AreasError(`${file}: no rows`);
	return { file, rows };
}

/** The field of row `index`, checked against a pattern or a list of allowed values. */
function getField<T extends string>(
	seed: SeedFile,
	index: number,
	column: string,
	allowed: RegExp | readonly T[]
): T {
	const value = seed.rows[index]?.[column] ?? '';
	const ok = Array.isArray(allowed) ? allowed.includes(value as T) : (allowed as RegExp).test(value);
	if (!ok) {
		throw new AreasError(`${seed.file}: row ${index + 1}: ${column} ${JSON.stringify(value)} is not valid`);
	}
	return value as T;
}

/**
 * Checks the parent exists and the code extends it, the rule of the statistical codes. A city's code is
 * padded with 00 (370200), so its districts extend only its first 4 digits.
 */
function checkParent(seed: SeedFile, index: number, code: string, parentCode: string, parents: Set<string>) {
	if (!parents.has(parentCode)) {
		throw new AreasError(`${seed.file}: row ${index + 1}: ${code} has no parent ${parentCode}`);
	}
	const prefix = areaLevel(parentCode) === 'city' ? parentCode.slice(0, 4) : parentCode;
	if (!code.startsWith(prefix)) {
		throw new AreasError(`${seed.file}: row ${index + 1}: ${code} does not extend its parent ${parentCode}`);
	}
}

function checkUnique(seed: SeedFile, rows: { code: string }[]): void {
	const seen = new Set<string>();
	for (const { code } of rows) {
		if (seen.has(code)) throw new AreasError(`${seed.file}: code ${code} appears twice`);
		seen.add(code);
	}
}

const anyText = /^.+$/;
const districtKinds: readonly DistrictKind[] = ['区', '市'];
const urbanities: readonly Urbanity[] = ['core', 'suburban', 'rural'];
const townshipKinds: readonly TownshipKind[] = ['街道', '镇', '乡', '其他'];
const communityKinds: readonly CommunityKind[] = ['社区', '村'];

function buildCity(seed: SeedFile): City {
	if (seed.rows.length !== 1) throw new AreasError(`${seed.file}: expected 1 row, found ${seed.rows.length}`);
	return Object.freeze({
		code: getField(seed, 0, 'code', /^\d{4}00$/),
		name: getField(seed, 0, 'name', anyText),
		nameEn: getField(seed, 0, 'name_en', anyText)
	});
}

function buildDistricts(seed: SeedFile, city: City): District[] {
	const districts = seed.rows.map((_, i) => {
		const district: District = {
			code: getField(seed, i, 'code', /^\d{6}$/),
			name: getField(seed, i, 'name', anyText),
			nameEn: getField(seed, i, 'name_en', anyText),
			cityCode: getField(seed, i, 'city_code', /^\d{6}$/),
			kind: getField(seed, i, 'kind', districtKinds),
			urbanity: getField(seed, i, 'urbanity', urbanities)
		};
		checkParent(seed, i, district.code, district.cityCode, new Set([city.code]));
		return Object.freeze(district);
	});
	checkUnique(seed, districts);
	return districts;
}

function buildTownships(seed: SeedFile, districtCodes: Set<string>): Township[] {
	const townships = seed.rows.map((_, i) => {
		const township: Township = {
			code: getField(seed, i, 'code', /^\d{9}$/),
			name: getField(seed, i, 'name', anyText),
			districtCode: getField(seed, i, 'district_code', /^\d{6}$/),
			kind: getField(seed, i, 'kind', townshipKinds)
		};
		checkParent(seed, i, township.code, township.districtCode, districtCodes);
		return Object.freeze(township);
	});
	checkUnique(seed, townships);
	return townships;
}

function buildCommunities(seed: SeedFile, townshipCodes: Set<string>): Community[] {
	const communities = seed.rows.map((_, i) => {
		const community: Community = {
			code: getField(seed, i, 'code', /^\d{12}$/),
			name: getField(seed, i, 'name', anyText),
			townshipCode: getField(seed, i, 'township_code', /^\d{9}$/),
			kind: getField(seed, i, 'kind', communityKinds)
		};
		checkParent(seed, i, community.code, community.townshipCode, townshipCodes);
		return Object.freeze(community);
	});
	checkUnique(seed, communities);
	return communities;
}

/** Groups children by parent code, each group frozen and in code order. */
function groupBy<T extends { code: string }>(
	rows: T[],
	parentOf: (row: T) => string
): Map<string, readonly T[]> {
	const groups = new Map<string, T[]>();
	for (const row of rows) {
		const group = groups.get(parentOf(row));
		if (group) group.push(row);
		else groups.set(parentOf(row), [row]);
	}
	return new Map([...groups].map(([code, group]) => [code, Object.freeze(sortByCode(group))]));
}

function sortByCode<T extends { code: string }>(rows: T[]): T[] {
	return rows.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

export function loadAreas(seedDir: string = defaultSeedDir): Areas {
	const city = buildCity(readSeed(seedDir, 'areas_city.csv', ['code', 'name', 'name_en']));
	const districts = sortByCode(
		buildDistricts(
			readSeed(seedDir, 'areas_districts.csv', ['code', 'name', 'name_en', 'city_code', 'kind', 'urbanity']),
			city
		)
	);
	const districtByCode = new Map(districts.map((district) => [district.code, district]));
	const townships = sortByCode(
		buildTownships(
			readSeed(seedDir, 'areas_townships.csv', ['code', 'name', 'district_code', 'kind']),
			new Set(districtByCode.keys())
		)
	);
	const townshipByCode = new Map(townships.map((township) => [township.code, township]));
	const communities = sortByCode(
		buildCommunities(
			readSeed(seedDir, 'areas_communities.csv', ['code', 'name', 'township_code', 'kind']),
			new Set(townshipByCode.keys())
		)
	);

	const townshipsByDistrict = groupBy(townships, (township) => township.districtCode);
	const communitiesByTownship = groupBy(communities, (community) => community.townshipCode);
	const none: readonly never[] = Object.freeze([]);

	return Object.freeze({
		city,
		districts: Object.freeze(districts),
		townships: Object.freeze(townships),
		communities: Object.freeze(communities),
		districtByCode,
		townshipByCode,
		townshipsOf: (districtCode: string) => townshipsByDistrict.get(districtCode) ?? none,
		communitiesOf: (townshipCode: string) => communitiesByTownship.get(townshipCode) ?? none
	});
}
