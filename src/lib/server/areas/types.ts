/**
 * The rows of the area seeds (`seeds/areas/*.csv`), the drill-down axis city → district → township →
 * community. Codes are the national statistical division codes (统计用区划代码) kept as digit strings:
 * they are identifiers, and a number type would invite arithmetic and lose the fixed width.
 */

export type AreaLevel = 'city' | 'district' | 'township' | 'community';

/** County-level cities (县级市) are 市; all others 区. */
export type DistrictKind = '区' | '市';

export type Urbanity = 'core' | 'suburban' | 'rural';

/** 其他: development zones, resorts and nature reserves that the statistics code at township level. */
export type TownshipKind = '街道' | '镇' | '乡' | '其他';

/** 社区 for residents' committees (居委会), 村 for villages and the rest. */
export type CommunityKind = '社区' | '村';

export interface City {
	/** 6 digits ending in 00, e.g. 370200. */
	code: string;
	name: string;
	nameEn: string;
}

export interface District {
	/** 6 digits, e.g. 370202. */
	code: string;
	name: string;
	nameEn: string;
	cityCode: string;
	kind: DistrictKind;
	urbanity: Urbanity;
}

export interface Township {
	/** 9 digits: the district code and 3 more. */
	code: string;
	name: string;
	districtCode: string;
	kind: TownshipKind;
}

export interface Community {
	/** 12 digits: the township code and 3 more. */
	code: string;
	name: string;
	townshipCode: string;
	kind: CommunityKind;
}

export interface Areas {
	city: City;
	/** Each list is sorted by code. */
	districts: readonly District[];
	townships: readonly Township[];
	communities: readonly Community[];
	districtByCode: ReadonlyMap<string, District>;
	townshipByCode: ReadonlyMap<string, Township>;
	/** The townships of a district, sorted by code; empty for an unknown code. */
	townshipsOf(districtCode: string): readonly Township[];
	/** The communities of a township, sorted by code; empty for an unknown code. */
	communitiesOf(townshipCode: string): readonly Community[];
}
