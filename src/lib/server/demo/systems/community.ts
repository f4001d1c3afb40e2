/** 社会组织 and 人民调解: community social organisations, mediation committees and their cases. */
import { REGISTRY } from '../calibration';
import { getTable } from '../schema';
import { creditCode, pickCommunity, TownshipPicker, yuan, type TableJob, type World } from '../world';

const ORG_KINDS = ['社区服务类', '文体娱乐类', '公益慈善类', '治安调解类', '老年协会', '其他'] as const;
const COMMITTEE_KINDS = ['行业性专业性', '企事业单位', '社会团体'] as const;
export const DISPUTE_TYPES = [
	'婚姻家庭',
	'邻里纠纷',
	'房屋宅基地',
	'合同纠纷',
	'损害赔偿',
	'劳动争议',
	'物业纠纷',
	'其他'
] as const;

export function communityJobs(world: World): TableJob[] {
	const { calendar, areas, figures } = world;
	const townships = areas.townships;

	const activeOrgs = REGISTRY.communitySocialOrgs;
	const deregistered = Math.round(activeOrgs * 0.07);
	const socialOrgs: TableJob = {
		table: getTable('social_orgs'),
		expectedRows: activeOrgs + deregistered,
		*rows() {
			const random = world.random('social_orgs');
			const picker = new TownshipPicker(areas, { core: 1.2, suburban: 1, rural: 0.9 });
			const total = activeOrgs + deregistered;
			let activeLeft = activeOrgs;
			for (let i = 0; i < total; i++) {
				const active = random.next() * (total - i) < activeLeft;
				if (active) activeLeft--;
				const t = picker.pick(random);
				const community = pickCommunity(areas, t, random);
				const kind = random.pick(ORG_KINDS);
				// Registrations keep growing; about a fifth of today's organisations joined in the last two years.
				const registered = random.chance(0.8) ? -random.int(1, 3_000) : random.int(0, calendar.lastDay);
				const gone = active
					? null
					: Math.min(calendar.lastDay, Math.max(0, registered) + random.int(30, 700));
				yield [
					i + 1,
					creditCode(random, t.districtCode, '5137'),
					`${community.name}${kind.replace('类', '')}${random.pick(['协会', '服务队', '志愿队', '互助会', '促进会'])}`,
					kind,
					t.code,
					community.code,
					calendar.iso(registered),
					active ? 'active' : 'deregistered',
					gone === null ? null : calendar.iso(gone),
					calendar.timestamp(gone ?? Math.max(0, registered), 36_000),
					0
				];
			}
		}
	};

	// One committee per township, the rest in trades and institutions.
	const committeeTownship: string[] = [];
	const committees: TableJob = {
		table: getTable('mediation_committees'),
		expectedRows: REGISTRY.mediationCommittees,
		*rows() {
			const random = world.random('mediation_committees');
			for (let i = 0; i < REGISTRY.mediationCommittees; i++) {
				const t = i < townships.length ? townships[i]! : random.pick(townships);
				const kind = i < townships.length ? '乡镇街道' : random.pick(COMMITTEE_KINDS);
				committeeTownship.push(t.code);
				const established = -random.int(200, 6_000);
				yield [
					i + 1,
					`TJ${String(i + 1).padStart(4, '0')}`,
					i < townships.length ? `${t.name}人民调解委员会` : `${t.name}${kind}人民调解委员会`,
					kind,
					t.code,
					calendar.iso(established),
					random.int(3, 15),
					calendar.timestamp(0, 36_000)
				];
			}
		}
	};

	// This year: exactly the calibrated number resolved; about 90% of received cases are resolved,
	// the rest failed or still open. Last year: a tenth fewer, all closed.
	const resolvedThisYear = figures.mediationResolvedThisYear;
	const receivedThisYear = Math.round(resolvedThisYear / 0.9);
	const receivedLastYear = Math.round(receivedThisYear * 0.9);
	const cases: TableJob = {
		table: getTable('mediation_cases'),
		expectedRows: receivedThisYear + receivedLastYear,
		*rows() {
			const random = world.random('mediation_cases');
			const people = world.people('mediation_cases');
			const yearStart = calendar.yearStartDay;
			type Case = { received: number; closed: number | null; status: string };
			const planned: Case[] = [];
			for (let i = 0; i < receivedLastYear; i++) {
				const received = random.int(0, yearStart - 1);
				const closed = Math.min(yearStart - 1, received + random.int(1, 30));
				planned.push({ received, closed, status: random.chance(0.93) ? 'resolved' : 'failed' });
			}
			let resolvedLeft = resolvedThisYear;
			for (let i = 0; i < receivedThisYear; i++) {
				const resolve = random.next() * (receivedThisYear - i) < resolvedLeft;
				if (resolve) resolvedLeft--;
				const received = random.int(yearStart, calendar.lastDay);
				const closed = Math.min(calendar.lastDay, received + random.int(1, 30));
				if (resolve) planned.push({ received, closed, status: 'resolved' });
				else if (random.chance(0.5)) planned.push({ received, closed, status: 'failed' });
				else planned.push({ received, closed: null, status: 'received' });
			}
			planned.sort((a, b) => a.received - b.received);
			for (let i = 0; i < planned.length; i++) {
				const { received, closed, status } = planned[i]!;
				const committee = random.int(0, REGISTRY.mediationCommittees - 1);
				yield [
					i + 1,
					`RT${calendar.iso(received).replaceAll('-', '')}${String(i + 1).padStart(6, '0')}`,
					committee + 1,
					committeeTownship[committee],
					random.pick(DISPUTE_TYPES),
					people.fullName(random.chance(0.5)),
					people.mobile(),
					calendar.iso(received),
					closed === null ? null : calendar.iso(closed),
					status,
					yuan(random.chance(0.4) ? random.int(0, 200_000) * 100 : 0),
					calendar.timestamp(closed ?? received, random.int(32_400, 61_200))
				];
			}
		}
	};

	return [socialOrgs, committees, cases];
}
