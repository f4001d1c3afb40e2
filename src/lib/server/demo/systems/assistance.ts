/**
 * 社会救助: the integrated platform (departments, items, applications, alerts, services) and the
 * low-income population database (persons under dynamic monitoring, with inflow and outflow).
 */
import { REGISTRY } from '../calibration';
import { cumulativeWeights } from '../random';
import { getTable } from '../schema';
import {
	birthDateForAge,
	pickCommunity,
	qingdaoAddress,
	TownshipPicker,
	yuan,
	type TableJob,
	type World
} from '../world';

const DEPARTMENTS = [
	'市民政局',
	'市人力资源社会保障局',
	'市卫生健康委',
	'市医保局',
	'市教育局',
	'市住房城乡建设局',
	'市残联',
	'市总工会',
	'市妇联',
	'市应急局',
	'市退役军人事务局',
	'市乡村振兴局'
] as const;

/** [name, category, index of the responsible department]. 28 items, as on the platform. */
export const ITEMS: readonly (readonly [string, string, number])[] = [
	['最低生活保障', '基本生活救助', 0],
	['特困人员救助供养', '基本生活救助', 0],
	['低保边缘家庭救助', '基本生活救助', 0],
	['刚性支出困难家庭救助', '基本生活救助', 0],
	['孤儿基本生活保障', '基本生活救助', 0],
	['事实无人抚养儿童保障', '基本生活救助', 0],
	['困难残疾人生活补贴', '基本生活救助', 6],
	['重度残疾人护理补贴', '基本生活救助', 6],
	['医疗救助', '专项救助', 3],
	['教育救助', '专项救助', 4],
	['住房救助', '专项救助', 5],
	['就业救助', '专项救助', 1],
	['取暖救助', '专项救助', 0],
	['残疾人康复救助', '专项救助', 6],
	['困难职工帮扶', '专项救助', 7],
	['困难妇女儿童救助', '专项救助', 8],
	['退役军人帮扶援助', '专项救助', 10],
	['防返贫监测帮扶', '专项救助', 11],
	['法律援助', '专项救助', 0],
	['临时救助', '急难救助', 0],
	['受灾人员救助', '急难救助', 9],
	['生活无着流浪乞讨人员救助', '急难救助', 0],
	['大病救助', '急难救助', 2],
	['突发事件临时救助', '急难救助', 9],
	['心理疏导服务', '服务类救助', 2],
	['社会融入服务', '服务类救助', 0],
	['照料护理服务', '服务类救助', 0],
	['资源链接服务', '服务类救助', 0]
];

const CATEGORIES = ['低保', '特困', '低保边缘', '刚性支出困难'] as const;
const categoryCumulative = cumulativeWeights([0.52, 0.09, 0.21, 0.18]);
/** Monthly allowance in yuan (Qingdao 2025 standards, roughly), by category; 0 for edge families. */
const MONTHLY_ALLOWANCE = [1_050, 1_365, 0, 0];
export const EXIT_REASONS = ['收入提高', '家庭成员就业', '死亡', '迁出本市', '核查不符合条件'] as const;
export const ALERT_TYPES = [
	'收入骤减',
	'大额医疗支出',
	'失业',
	'新增残疾',
	'家庭变故',
	'教育支出骤增'
] as const;
export const ALERT_LEVELS = ['红色', '橙色', '黄色'] as const;
export const SERVICE_TYPES = [
	'心理疏导',
	'社会融入',
	'照料服务',
	'资源链接',
	'物资发放',
	'现金救助'
] as const;

export function assistanceJobs(world: World): TableJob[] {
	const { calendar, areas, figures } = world;
	const monitored = figures.monitoredLowIncome;
	const exited = Math.round(monitored * 0.15);
	const total = monitored + exited;
	// Low-income families concentrate in the rural districts.
	const picker = new TownshipPicker(areas, { core: 0.55, suburban: 1, rural: 1.7 }, { 镇: 1.2 });

	// What later tables need to know of each person, in compact arrays.
	const township = new Uint16Array(total);
	const activeFrom = new Int32Array(total);
	const activeTo = new Int32Array(total);
	const townships = picker.townships;
	const townshipIndex = new Map(townships.map((t, i) => [t.code, i]));

	const departments: TableJob = {
		table: getTable('departments'),
		expectedRows: REGISTRY.assistanceDepartments,
		*rows() {
			for (let i = 0; i < DEPARTMENTS.length; i++) {
				yield [i + 1, `D${String(i + 1).padStart(3, '0')}`, DEPARTMENTS[i], calendar.timestamp(0, 32_400)];
			}
		}
	};

	const items: TableJob = {
		table: getTable('assistance_items'),
		expectedRows: REGISTRY.assistanceItems,
		*rows() {
			for (let i = 0; i < ITEMS.length; i++) {
				const [name, category, department] = ITEMS[i]!;
				yield [
					i + 1,
					`I${String(i + 1).padStart(3, '0')}`,
					name,
					category,
					department + 1,
					calendar.timestamp(0, 32_400)
				];
			}
		}
	};

	const persons: TableJob = {
		table: getTable('persons'),
		expectedRows: total,
		*rows() {
			const random = world.random('persons');
			const people = world.people('persons');
			let monitoredLeft = monitored;
			for (let i = 0; i < total; i++) {
				// Selection sampling: exactly `monitored` of the `total` rows end up monitored.
				const isMonitored = random.next() * (total - i) < monitoredLeft;
				if (isMonitored) monitoredLeft--;
				const t = picker.pick(random);
				const community = pickCommunity(areas, t, random);
				const male = random.chance(0.47);
				const category = random.pickWeighted(CATEGORIES, categoryCumulative);
				const categoryIndex = CATEGORIES.indexOf(category);
				const birth = birthDateForAge(
					calendar,
					random,
					categoryIndex === 1 ? 60 : 1,
					categoryIndex === 1 ? 95 : 88
				);
				let since: number;
				let exitDay = -1;
				if (isMonitored) {
					since = random.chance(0.68) ? -random.int(1, 8 * 365) : random.int(0, calendar.lastDay);
				} else {
					exitDay = random.int(0, calendar.lastDay);
					since = exitDay - random.int(60, 2_500);
				}
				township[i] = townshipIndex.get(t.code)!;
				activeFrom[i] = Math.max(0, since);
				activeTo[i] = isMonitored ? calendar.lastDay : exitDay;
				const lastChange = Math.max(since, exitDay, 0);
				const updatedDay = isMonitored ? random.int(lastChange, calendar.lastDay) : exitDay;
				const allowance = MONTHLY_ALLOWANCE[categoryIndex]! * 100 * (0.6 + 0.4 * random.next());
				yield [
					i + 1,
					world.idNumbers.issue(t.districtCode, birth, male),
					people.fullName(male),
					male ? '男' : '女',
					birth,
					people.mobile(),
					qingdaoAddress(areas, t, people.street(), random),
					category,
					yuan(Math.round(allowance)),
					t.code,
					community.code,
					calendar.iso(since),
					isMonitored ? 'monitored' : 'exited',
					isMonitored ? null : calendar.iso(exitDay),
					isMonitored ? null : random.pick(EXIT_REASONS),
					calendar.timestamp(updatedDay, random.int(28_800, 64_800)),
					0
				];
			}
		}
	};

	/** A person and a day on which they were monitored, for the events below. */
	const pickActivePersonDay = (random: ReturnType<World['random']>): [number, number] => {
		const person = random.int(0, total - 1);
		return [person, random.int(activeFrom[person]!, activeTo[person]!)];
	};
	const personYears = (total * (calendar.lastDay + 1) * 0.8) / 365;

	const applicationCount = Math.round(personYears * 0.45);
	const applications: TableJob = {
		table: getTable('applications'),
		expectedRows: applicationCount,
		*rows() {
			const random = world.random('applications');
			for (let i = 0; i < applicationCount; i++) {
				const [person, day] = pickActivePersonDay(random);
				const itemIndex = random.int(0, ITEMS.length - 1);
				const [, category, department] = ITEMS[itemIndex]!;
				const t = townships[township[person]!]!;
				const urban = areas.districtByCode.get(t.districtCode)!.urbanity === 'core';
				const submitted = calendar.timestamp(day, random.int(30_600, 61_200));
				const processingDays = Math.max(0, Math.round(random.normal(urban ? 5 : 8, 3)));
				const decidedDay = day + processingDays;
				let status: string;
				let decidedAt: string | null = null;
				let amount: string | null = null;
				if (decidedDay > calendar.lastDay) status = 'pending';
				else {
					const u = random.next();
					status = u < 0.82 ? 'approved' : u < 0.97 ? 'rejected' : 'withdrawn';
					decidedAt = calendar.timestamp(decidedDay, random.int(30_600, 64_800));
					if (status === 'approved') {
						const base = category === '急难救助' ? 300_000 : category === '专项救助' ? 150_000 : 80_000;
						amount = yuan(Math.round(base * (0.3 + random.next())));
					}
				}
				yield [
					i + 1,
					`SQ${calendar.iso(day).replaceAll('-', '')}${String(i + 1).padStart(8, '0')}`,
					person + 1,
					itemIndex + 1,
					department + 1,
					t.code,
					submitted,
					decidedAt,
					status,
					amount,
					decidedAt ?? submitted,
					0
				];
			}
		}
	};

	const alertCount = Math.round(personYears * 0.12);
	const alerts: TableJob = {
		table: getTable('alerts'),
		expectedRows: alertCount,
		*rows() {
			const random = world.random('alerts');
			for (let i = 0; i < alertCount; i++) {
				const [person, day] = pickActivePersonDay(random);
				const raised = calendar.timestamp(day, random.int(0, 86_399));
				const dispatchDay = day + random.int(0, 2);
				const dispatched = dispatchDay <= calendar.lastDay && random.chance(0.96);
				const closeDay = dispatchDay + random.int(1, 15);
				const closed = dispatched && closeDay <= calendar.lastDay && random.chance(0.92);
				const dispatchedAt = dispatched ? calendar.timestamp(dispatchDay, random.int(32_400, 61_200)) : null;
				const closedAt = closed ? calendar.timestamp(closeDay, random.int(32_400, 64_800)) : null;
				yield [
					i + 1,
					`YJ${calendar.iso(day).replaceAll('-', '')}${String(i + 1).padStart(8, '0')}`,
					person + 1,
					townships[township[person]!]!.code,
					random.pick(ALERT_TYPES),
					random.pick(ALERT_LEVELS),
					raised,
					dispatchedAt,
					dispatched ? random.int(1, DEPARTMENTS.length) : null,
					closedAt,
					closed ? 'closed' : dispatched ? 'dispatched' : 'raised',
					closedAt ?? dispatchedAt ?? raised
				];
			}
		}
	};

	const serviceCount = Math.round(personYears * 0.5);
	const services: TableJob = {
		table: getTable('service_records'),
		expectedRows: serviceCount,
		*rows() {
			const random = world.random('service_records');
			for (let i = 0; i < serviceCount; i++) {
				const [person, day] = pickActivePersonDay(random);
				const t = townships[township[person]!]!;
				const served = calendar.timestamp(day, random.int(30_600, 63_000));
				yield [i + 1, person + 1, t.code, random.pick(SERVICE_TYPES), served, `${t.name}社工站`, served];
			}
		}
	};

	return [departments, items, persons, applications, alerts, services];
}
