import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { AreasError, areaLevel, loadAreas } from '$lib/server/areas/areas';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const seedDir = path.join(repoRoot, 'seeds', 'areas');
const areas = loadAreas();

/**
 * Qingdao with a margin. Wider than the mainland: 千里岩岛 (崂山区) lies at 121.39°E and Laixi's
 * northern tip reaches 37.15°N.
 */
const qingdaoBox = { minLon: 119.3, maxLon: 121.5, minLat: 35.5, maxLat: 37.2 };

interface Feature {
	type: string;
	properties: { code: string; name: string };
	geometry: { type: string; coordinates: unknown };
}

function readGeo(): { type: string; features: Feature[] } {
	return JSON.parse(readFileSync(path.join(repoRoot, 'static', 'geo', 'qingdao-districts.geo.json'), 'utf8'));
}

/** The [lon, lat] points of a Polygon or MultiPolygon. */
function listPoints(geometry: Feature['geometry']): number[][] {
	const polygons = (
		geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates
	) as number[][][][];
	return polygons.flat(2);
}

describe('area seeds', () => {
	it('holds 1 city, 10 districts, 141 townships and 2120 communities', () => {
		expect(areas.city).toEqual({ code: '370200', name: '青岛市', nameEn: 'Qingdao' });
		expect(areas.districts).toHaveLength(10);
		expect(areas.townships).toHaveLength(141);
		expect(areas.communities).toHaveLength(2120);
	});

	it('has the districts of DESIGN.md §6', () => {
		expect(areas.districts.map((d) => `${d.code} ${d.name}`)).toEqual([
			'370202 市南区',
			'370203 市北区',
			'370211 黄岛区',
			'370212 崂山区',
			'370213 李沧区',
			'370214 城阳区',
			'370215 即墨区',
			'370281 胶州市',
			'370283 平度市',
			'370285 莱西市'
		]);
		expect(areas.districts.filter((d) => d.kind === '市').map((d) => d.name)).toEqual([
			'胶州市',
			'平度市',
			'莱西市'
		]);
	});

	it('gives every row an existing parent whose code it extends', () => {
		for (const district of areas.districts) {
			expect(district.cityCode).toBe(areas.city.code);
			expect(district.code.startsWith(areas.city.code.slice(0, 4))).toBe(true);
		}
		for (const township of areas.townships) {
			expect(areas.districtByCode.has(township.districtCode)).toBe(true);
			expect(township.code.startsWith(township.districtCode)).toBe(true);
		}
		for (const community of areas.communities) {
			expect(areas.townshipByCode.has(community.townshipCode)).toBe(true);
			expect(community.code.startsWith(community.townshipCode)).toBe(true);
		}
	});

	it('has codes unique across all four files', () => {
		const codes = [areas.city, ...areas.districts, ...areas.townships, ...areas.communities].map(
			(a) => a.code
		);
		expect(new Set(codes).size).toBe(codes.length);
	});

	it('groups children by parent, in code order', () => {
		const counted = areas.districts.reduce((sum, d) => sum + areas.townshipsOf(d.code).length, 0);
		expect(counted).toBe(areas.townships.length);
		const shinan = areas.townshipsOf('370202');
		expect(shinan.every((t) => t.districtCode === '370202')).toBe(true);
		expect([...shinan].sort((a, b) => a.code.localeCompare(b.code))).toEqual(shinan);
		const first = areas.townships[0]!;
		expect(areas.communitiesOf(first.code).every((c) => c.townshipCode === first.code)).toBe(true);
		expect(areas.townshipsOf('999999')).toEqual([]);
		expect(areas.communitiesOf('999999999')).toEqual([]);
	});

	it('is frozen', () => {
		expect(Object.isFrozen(areas)).toBe(true);
		expect(Object.isFrozen(areas.districts)).toBe(true);
		expect(Object.isFrozen(areas.districts[0])).toBe(true);
	});
});

describe('loadAreas errors', () => {
	let dir = '';
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	function copySeeds(): string {
		dir = mkdtempSync(path.join(os.tmpdir(), 'areas-'));
		cpSync(seedDir, dir, { recursive: true });
		return dir;
	}

	it('names a missing file', () => {
		unlinkSync(path.join(copySeeds(), 'areas_townships.csv'));
		expect(() => loadAreas(dir)).toThrow(AreasError);
		expect(() => loadAreas(dir)).toThrow(/areas_townships\.csv: cannot read area seed \(ENOENT\)$/);
	});

	it('names a malformed file', () => {
		writeFileSync(path.join(copySeeds(), 'areas_districts.csv'), 'code,name\n370202,市南区,extra\n');
		expect(() => loadAreas(dir)).toThrow(/areas_districts\.csv: malformed CSV: header is code,name/);
	});

	it('names a row whose parent is missing', () => {
		const file = path.join(copySeeds(), 'areas_townships.csv');
		writeFileSync(
			file,
			readFileSync(file, 'utf8').replace('370202001,香港中路街道,370202', '370202001,香港中路街道,370299')
		);
		expect(() => loadAreas(dir)).toThrow(/areas_townships\.csv: row 1: 370202001 has no parent 370299/);
	});
});

describe('areaLevel', () => {
	it('tells the level from the code', () => {
		expect(areaLevel('370200')).toBe('city');
		expect(areaLevel('370202')).toBe('district');
		expect(areaLevel('370202001')).toBe('township');
		expect(areaLevel('370202001001')).toBe('community');
	});

	it.each(['', '3702', '37020', '3702020', '370202001001001', '37020a', ' 370202', '３７０２０２'])(
		'throws on %j',
		(code) => {
			expect(() => areaLevel(code)).toThrow(AreasError);
		}
	);
});

describe('district map', () => {
	const geo = readGeo();

	it('has one feature per district, named as in the seeds', () => {
		expect(geo.type).toBe('FeatureCollection');
		expect(geo.features.map((f) => f.properties)).toEqual(
			areas.districts.map((d) => ({ code: d.code, name: d.name }))
		);
	});

	it('has polygons inside Qingdao', () => {
		for (const feature of geo.features) {
			expect(['Polygon', 'MultiPolygon']).toContain(feature.geometry.type);
			const points = listPoints(feature.geometry);
			expect(points.length).toBeGreaterThan(3);
			const lons = points.map(([lon]) => lon!);
			const lats = points.map(([, lat]) => lat!);
			const name = feature.properties.name;
			expect(Math.min(...lons), name).toBeGreaterThan(qingdaoBox.minLon);
			expect(Math.max(...lons), name).toBeLessThan(qingdaoBox.maxLon);
			expect(Math.min(...lats), name).toBeGreaterThan(qingdaoBox.minLat);
			expect(Math.max(...lats), name).toBeLessThan(qingdaoBox.maxLat);
		}
	});
});
