/** 慈善: charity organisations, community charity funds, projects and donations. */
import { REGISTRY } from '../calibration';
import { apportion, cumulativeWeights } from '../random';
import { getTable } from '../schema';
import { creditCode, pickCommunity, TownshipPicker, yuan, type TableJob, type World } from '../world';

const ORG_KINDS = ['基金会', '社会团体', '社会服务机构'] as const;
const DOMAINS = ['扶老', '助残', '济困', '助学', '儿童关爱', '社区发展'] as const;
const DONOR_TYPES = ['个人', '企业', '社会组织'] as const;
/** 中华慈善日 is 5 September; Qingdao's campaigns run in the days around it. */
const CHARITY_DAY = '09-05';

export function charityJobs(world: World): TableJob[] {
	const { calendar, areas, figures } = world;
	const picker = new TownshipPicker(areas, { core: 1.5, suburban: 1, rural: 0.7 });

	const orgs: TableJob = {
		table: getTable('charity_orgs'),
		expectedRows: REGISTRY.charityOrgs,
		*rows() {
			const random = world.random('charity_orgs');
			const people = world.people('charity_orgs');
			const deductible = new Set(
				random
					.shuffle(Array.from({ length: REGISTRY.charityOrgs }, (_, i) => i))
					.slice(0, REGISTRY.charityOrgsTaxDeductible)
			);
			for (let i = 0; i < REGISTRY.charityOrgs; i++) {
				const t = picker.pick(random);
				const kind = random.pick(ORG_KINDS);
				const registered = random.chance(0.85) ? -random.int(1, 4_000) : random.int(0, calendar.lastDay);
				yield [
					i + 1,
					creditCode(random, t.districtCode, kind === '基金会' ? '5337' : '5237'),
					`青岛市${random.pick(['仁爱', '阳光', '海之爱', '红瓦', '同心', '博爱', '善行'])}${random.pick(['慈善', '公益'])}${kind === '基金会' ? '基金会' : kind === '社会团体' ? '协会' : '服务中心'}`,
					kind,
					deductible.has(i) ? 1 : 0,
					t.code,
					people.mobile(),
					calendar.iso(registered),
					calendar.timestamp(Math.max(0, registered), 36_000)
				];
			}
		}
	};

	const funds: TableJob = {
		table: getTable('community_funds'),
		expectedRows: REGISTRY.communityFunds,
		*rows() {
			const random = world.random('community_funds');
			for (let i = 0; i < REGISTRY.communityFunds; i++) {
				const t = picker.pick(random);
				const community = random.chance(0.7) ? pickCommunity(areas, t, random) : null;
				const established = random.chance(0.6) ? -random.int(1, 1_500) : random.int(0, calendar.lastDay);
				yield [
					i + 1,
					`JJ${String(i + 1).padStart(5, '0')}`,
					`${community?.name ?? t.name}社区慈善基金`,
					t.code,
					community?.code ?? null,
					calendar.iso(established),
					yuan(random.int(5, 200) * 1_000_00),
					calendar.timestamp(Math.max(0, established), 36_000)
				];
			}
		}
	};

	const visits = apportion(
		figures.charityBeneficiaryVisits,
		Array.from({ length: REGISTRY.charityProjects }, (_, i) => 1 + ((i * 7919) % 13))
	);
	const projects: TableJob = {
		table: getTable('charity_projects'),
		expectedRows: REGISTRY.charityProjects,
		*rows() {
			const random = world.random('charity_projects');
			for (let i = 0; i < REGISTRY.charityProjects; i++) {
				const t = picker.pick(random);
				const domain = random.pick(DOMAINS);
				const started = random.int(-300, calendar.lastDay - 30);
				const ended = random.chance(0.4)
					? Math.min(calendar.lastDay, Math.max(0, started) + random.int(60, 360))
					: null;
				yield [
					i + 1,
					`XM${String(i + 1).padStart(5, '0')}`,
					`${t.name}${domain}${random.pick(['行动', '计划', '工程', '项目'])}`,
					random.int(1, REGISTRY.charityOrgs),
					random.chance(0.5) ? random.int(1, REGISTRY.communityFunds) : null,
					domain,
					t.code,
					calendar.iso(started),
					ended === null ? null : calendar.iso(ended),
					yuan(random.int(2, 200) * 10_000_00),
					visits[i],
					calendar.timestamp(ended ?? Math.max(0, started), 36_000)
				];
			}
		}
	};

	// Donations over the two years add up exactly to the calibrated sum; Charity Day weeks bring the most.
	const donationCount = Math.max(1, Math.round(60_000 * world.scale));
	const donations: TableJob = {
		table: getTable('donations'),
		expectedRows: donationCount,
		*rows() {
			const random = world.random('donations');
			const people = world.people('donations');
			const charityDays = [calendar.start.year, calendar.asOf.year]
				.map((year) => calendar.dayOf(`${year}-${CHARITY_DAY}`))
				.filter((day) => day <= calendar.lastDay);
			const planned = Array.from({ length: donationCount }, () => {
				const campaign = charityDays.length > 0 && random.chance(0.45);
				const day = campaign
					? Math.min(calendar.lastDay, random.pick(charityDays) + random.int(-3, 3))
					: random.int(0, calendar.lastDay);
				const donorType = random.pickWeighted(DONOR_TYPES, donorCumulative);
				const raw = donorType === '个人' ? random.int(1, 100) * 1_000 : random.int(10, 2_000) * 10_000;
				return { day, campaign, donorType, raw, second: random.int(0, 86_399) };
			});
			planned.sort((a, b) => a.day - b.day || a.second - b.second);
			const target = Math.round(figures.donationsRaised * 100);
			const rawTotal = planned.reduce((sum, d) => sum + d.raw, 0);
			const cents = planned.map((d) => Math.max(1, Math.round((d.raw * target) / rawTotal)));
			// Put the rounding residue on the largest gift, where a few fen are invisible.
			const largest = cents.indexOf(Math.max(...cents));
			cents[largest]! += target - cents.reduce((a, b) => a + b, 0);
			for (let i = 0; i < planned.length; i++) {
				const d = planned[i]!;
				const t = picker.pick(random);
				const donatedAt = calendar.timestamp(d.day, d.second);
				yield [
					i + 1,
					`JZ${calendar.iso(d.day).replaceAll('-', '')}${String(i + 1).padStart(7, '0')}`,
					random.int(1, REGISTRY.charityOrgs),
					random.chance(0.3) ? random.int(1, REGISTRY.communityFunds) : null,
					random.chance(0.5) ? random.int(1, REGISTRY.charityProjects) : null,
					d.donorType,
					d.donorType === '个人'
						? people.fullName(random.chance(0.5))
						: `青岛${people.street()}${random.pick(['有限公司', '商会', '协会'])}`,
					people.mobile(),
					d.campaign ? '慈善日活动' : random.pick(['线上', '线下']),
					t.code,
					yuan(cents[i]!),
					donatedAt,
					donatedAt,
					0
				];
			}
		}
	};

	return [orgs, funds, projects, donations];
}

const donorCumulative = cumulativeWeights([0.8, 0.15, 0.05]);
