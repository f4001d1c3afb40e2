/**
 * Fake personal data: the operational systems hold names, ID numbers, phones and addresses, and the
 * ETL must prove it removes them, so the demo fills them with plausible values. Names and streets come
 * from faker's zh_CN word lists; ID numbers follow GB 11643-1999 so they look real to a validator.
 */
import { zh_CN } from '@faker-js/faker';
import { createRandom } from './random';

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const ID_CHECK_CHARS = '10X98765432';

/** The 18th character of a resident ID number (ISO 7064 MOD 11-2 over the first 17 digits). */
export function idNumberCheckChar(first17: string): string {
	if (!/^\d{17}$/.test(first17)) throw new Error('idNumberCheckChar needs exactly 17 digits');
	let sum = 0;
	for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
	return ID_CHECK_CHARS[sum % 11]!;
}

export function isValidIdNumber(id: string): boolean {
	return /^\d{17}[\dX]$/.test(id) && idNumberCheckChar(id.slice(0, 17)) === id[17];
}

/**
 * Builds a resident ID number: 6-digit area of registration, birth date, a 3-digit sequence whose
 * parity is the sex (odd = male), and the check character. `sequence` must make it unique.
 */
export function makeIdNumber(areaCode: string, birthDate: string, sequence: number, male: boolean): string {
	const seq = (sequence % 500) * 2 + (male ? 1 : 0);
	const first17 = `${areaCode}${birthDate.replaceAll('-', '')}${String(seq).padStart(3, '0')}`;
	return first17 + idNumberCheckChar(first17);
}

/**
 * Hands out unique ID numbers: the sequence for an (area, birth date) pair counts up, so no two
 * people share a number across the whole demo world without a set of every number ever made.
 */
export class IdNumberRegistry {
	private readonly next = new Map<string, number>();

	issue(areaCode: string, birthDate: string, male: boolean): string {
		const key = `${areaCode}${birthDate}${male ? 'm' : 'f'}`;
		const seq = this.next.get(key) ?? 0;
		if (seq >= 500) throw new Error(`more than 500 people born on ${birthDate} in ${areaCode} of one sex`);
		this.next.set(key, seq + 1);
		return makeIdNumber(areaCode, birthDate, seq, male);
	}
}

export interface FakePeople {
	fullName(male: boolean): string;
	mobile(): string;
	street(): string;
}

type WordLists = { generic?: readonly string[]; male?: readonly string[]; female?: readonly string[] };

/**
 * Names, mobiles and street names from faker's zh_CN word lists, drawn with the demo's own fast
 * seeded stream: faker's per-call machinery costs ~20 µs a person, which is minutes at Qingdao scale.
 */
export function createFakePeople(seed: number, stream: string): FakePeople {
	const random = createRandom(seed, `people:${stream}`);
	const firstNames = zh_CN.person!.first_name as WordLists;
	const lastNames = (zh_CN.person!.last_name as WordLists).generic!;
	const male = firstNames.male ?? firstNames.generic!;
	const female = firstNames.female ?? firstNames.generic!;
	const streetSuffixes = zh_CN.location!.street_suffix as readonly string[];
	return {
		fullName: (isMale) => random.pick(lastNames) + random.pick(isMale ? male : female),
		// The systems store mobiles: 1[3-9]x xxxx xxxx.
		mobile: () => `1${random.int(3, 9)}${String(random.int(0, 999_999_999)).padStart(9, '0')}`,
		street: () => random.pick(lastNames) + random.pick(streetSuffixes)
	};
}
