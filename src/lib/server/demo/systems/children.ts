/**
 * 儿童福利: children under watch — floating (流动), left-behind (留守) and de-facto unsupported
 * (事实无人抚养) — with the five-full steps (全走访 → 全核查 → 全建档 → 全落实 → 全监测) for
 * suspected guardianship-difficulty cases.
 */
import { getTable } from '../schema';
import {
	birthDateForAge,
	pickCommunity,
	qingdaoAddress,
	TownshipPicker,
	type TableJob,
	type World
} from '../world';

const GUARDIANSHIP = ['父母监护', '祖辈监护', '亲属监护', '监护缺失', '监护不当'] as const;
/** Share of suspected cases reaching each five-full step, in order. */
const FIVE_FULL_REACH = [1, 0.93, 0.86, 0.79, 0.72] as const;

export function childrenJobs(world: World): TableJob[] {
	const { calendar, areas, figures } = world;
	const floating = figures.floatingChildren;
	const leftBehind = Math.round(floating * 0.17);
	const unsupported = Math.round(floating * 0.022);
	const total = floating + leftBehind + unsupported;
	// Floating children follow work to the industrial suburbs; left-behind ones stay in rural townships.
	const floatingPicker = new TownshipPicker(areas, { core: 0.7, suburban: 1.6, rural: 0.8 });
	const ruralPicker = new TownshipPicker(areas, { core: 0.15, suburban: 0.7, rural: 1.8 }, { 镇: 1.5 });

	const children: TableJob = {
		table: getTable('children'),
		expectedRows: total,
		*rows() {
			const random = world.random('children');
			const people = world.people('children');
			const left = { floating, leftBehind, unsupported };
			for (let i = 0; i < total; i++) {
				// Draw categories without replacement so each count is exact.
				const u = random.next() * (total - i);
				const category =
					u < left.floating ? 'floating' : u < left.floating + left.leftBehind ? 'leftBehind' : 'unsupported';
				left[category]--;
				const t = (category === 'floating' ? floatingPicker : ruralPicker).pick(random);
				const community = pickCommunity(areas, t, random);
				const male = random.chance(0.52);
				const birth = birthDateForAge(calendar, random, 0, 17);
				const guardianship =
					category === 'unsupported'
						? random.pick(GUARDIANSHIP.slice(2))
						: random.pick(GUARDIANSHIP.slice(0, random.chance(0.9) ? 3 : 5));
				const suspected =
					category === 'unsupported' || guardianship === '监护缺失' || guardianship === '监护不当';
				// Records were screened over years; a third of them during the demo's history.
				const registered = random.chance(0.35) ? random.int(0, calendar.lastDay) : -random.int(1, 1_500);
				const birthDay = calendar.dayOf(birth);
				const registeredDay = Math.max(registered, birthDay);
				const steps: (string | null)[] = [null, null, null, null, null];
				let lastStepDay = registeredDay;
				if (suspected) {
					let day = registeredDay;
					for (let s = 0; s < FIVE_FULL_REACH.length; s++) {
						day += random.int(1, 20);
						const reach = FIVE_FULL_REACH[s]! / (FIVE_FULL_REACH[s - 1] ?? 1);
						if (day > calendar.lastDay || !random.chance(reach)) break;
						steps[s] = calendar.iso(day);
						lastStepDay = day;
					}
				}
				const updatedDay = Math.max(0, Math.min(calendar.lastDay, lastStepDay + random.int(0, 60)));
				yield [
					i + 1,
					world.idNumbers.issue(t.districtCode, birth, male),
					people.fullName(male),
					male ? '男' : '女',
					birth,
					category === 'floating' ? '流动儿童' : category === 'leftBehind' ? '留守儿童' : '事实无人抚养儿童',
					guardianship,
					suspected ? 1 : 0,
					t.code,
					community.code,
					people.fullName(random.chance(0.5)),
					people.mobile(),
					qingdaoAddress(areas, t, people.street(), random),
					calendar.iso(registeredDay),
					...steps,
					calendar.timestamp(updatedDay, random.int(30_600, 64_800)),
					0
				];
			}
		}
	};
	return [children];
}
