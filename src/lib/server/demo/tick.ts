/**
 * `npm run demo:tick`: one more day of activity in the operational systems, as the bureau's platforms
 * would record it — new rows, status changes, a few soft deletions, and a few deliberately bad rows
 * (unknown area code, negative amount, impossible date, duplicate business key) that the nightly ETL
 * must put in quarantine. Everything of a day is written in one transaction.
 */
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { openSourceDatabase, parseSourceLocation } from '../sources/connection';
import { DemoCalendar, todayInBureau } from './calendar';
import { scaleFigures } from './calibration';
import { createFakePeople, makeIdNumber } from './identity';
import { createRandom, type Random } from './random';
import { DEMO_META } from './schema';
import { ALERT_LEVELS, ALERT_TYPES, EXIT_REASONS, ITEMS, SERVICE_TYPES } from './systems/assistance';
import { DISPUTE_TYPES } from './systems/community';
import { SUBSIDY_CATEGORIES, SUBSIDY_PER_MEAL } from './systems/elderly';
import { yuan } from './world';
import { DemoOptionsError } from './generate';

export interface BadRow {
	table: string;
	id: number;
	/** What the ETL's quarantine should say, in short. */
	reason: 'unknown_area_code' | 'negative_amount' | 'future_date' | 'duplicate_key';
}

export interface TickSummary {
	day: string;
	inserted: Record<string, number>;
	updated: Record<string, number>;
	softDeleted: Record<string, number>;
	badRows: BadRow[];
}

/** A township code that exists nowhere (Qingdao's districts use 02–85, never 99). */
export const UNKNOWN_TOWNSHIP_CODE = '370299999';

export async function tickDemo(target: string, now: DateTime = DateTime.now()): Promise<TickSummary> {
	const location = parseSourceLocation(target);
	const db = openSourceDatabase(location);
	try {
		const meta = await readMeta(db, location.display);
		const day = DateTime.fromISO(meta.as_of!).plus({ days: 1 }).toISODate()!;
		const today = todayInBureau(now);
		if (day > today) {
			throw new DemoOptionsError(
				`The demo data in ${location.display} already reaches ${meta.as_of}; a tick would write ${day}, which has not happened yet in Qingdao (today ${today}).`
			);
		}
		const summary = await db.transaction((trx) =>
			writeDay(trx, Number(meta.seed), Number(meta.scale), new DemoCalendar(day), day)
		);
		return summary;
	} finally {
		await db.destroy();
	}
}

async function readMeta(db: Knex, display: string): Promise<Record<string, string>> {
	if (!(await db.schema.hasTable(DEMO_META.name))) {
		throw new DemoOptionsError(
			`${display} holds no demo data (no ${DEMO_META.name} table). Run \`npm run demo:generate\` first.`
		);
	}
	const rows: { key: string; value: string }[] = await db(DEMO_META.name).select('key', 'value');
	const meta = Object.fromEntries(rows.map((r) => [r.key, r.value]));
	for (const key of ['seed', 'scale', 'as_of']) {
		if (!meta[key])
			throw new DemoOptionsError(`${display}: ${DEMO_META.name} lacks "${key}". Regenerate the demo data.`);
	}
	return meta;
}

type Row = Record<string, unknown>;

async function writeDay(
	trx: Knex.Transaction,
	seed: number,
	scale: number,
	calendar: DemoCalendar,
	day: string
) {
	const figures = scaleFigures(scale);
	const d = calendar.lastDay;
	const random = createRandom(seed, `tick:${day}`);
	const people = createFakePeople(seed, `tick:${day}`);
	const at = (from = 28_800, to = 64_800) => calendar.timestamp(d, random.int(from, to));
	const summary: TickSummary = { day, inserted: {}, updated: {}, softDeleted: {}, badRows: [] };
	const nextId = async (table: string) => Number((await trx(table).max({ m: 'id' }))[0]?.m ?? 0) + 1;
	const insert = async (table: string, rows: Row[]) => {
		for (let i = 0; i < rows.length; i += 500) await trx(table).insert(rows.slice(i, i + 500));
		summary.inserted[table] = (summary.inserted[table] ?? 0) + rows.length;
	};
	const update = async (
		table: string,
		ids: number[],
		values: Row,
		counter: 'updated' | 'softDeleted' = 'updated'
	) => {
		for (let i = 0; i < ids.length; i += 500)
			await trx(table)
				.whereIn('id', ids.slice(i, i + 500))
				.update(values);
		summary[counter][table] = (summary[counter][table] ?? 0) + ids.length;
	};
	/** A deterministic sample of ids matching a query (ordered by id, so every engine picks the same). */
	const sampleIds = async (query: Knex.QueryBuilder, n: number) => {
		const ids = ((await query.clone().select('id').orderBy('id')) as { id: number }[]).map((r) =>
			Number(r.id)
		);
		return pickSome(random, ids, n);
	};
	const daily = (perYear: number) => Math.max(1, Math.round((perYear * (0.8 + 0.4 * random.next())) / 365));

	// ---- Assistance: inflow and outflow of monitored people, applications, alerts, services.
	const monitored = () => trx('persons').where({ status: 'monitored', is_deleted: 0 });
	// Places where people already live: new rows go where the systems already have some.
	const template = (await trx('persons')
		.select('township_code', 'community_code')
		.orderBy('id')
		.limit(500)) as {
		township_code: string;
		community_code: string;
	}[];
	let personId = await nextId('persons');
	const newPersons: Row[] = [];
	for (let i = 0; i < daily(figures.monitoredLowIncome * 0.16); i++) {
		const place = random.pick(template);
		const male = random.chance(0.47);
		const [latest, span] = calendar.birthDayRange(1, 88);
		const birth = calendar.iso(latest - random.int(0, span));
		newPersons.push({
			id: personId++,
			id_number: fakeIdNumber(place.township_code.slice(0, 6), birth, random, male),
			name: people.fullName(male),
			gender: male ? '男' : '女',
			birth_date: birth,
			phone: people.mobile(),
			address: `山东省青岛市${people.street()}${random.int(1, 300)}号`,
			category: random.pick(['低保', '特困', '低保边缘', '刚性支出困难']),
			monthly_allowance: yuan(random.int(50_000, 130_000)),
			township_code: place.township_code,
			community_code: place.community_code,
			monitored_since: day,
			status: 'monitored',
			exited_on: null,
			exit_reason: null,
			updated_at: at(),
			is_deleted: 0
		});
	}
	await insert('persons', newPersons);
	const exits = await sampleIds(monitored(), daily(figures.monitoredLowIncome * 0.15));
	for (const id of exits) {
		await update('persons', [id], {
			status: 'exited',
			exited_on: day,
			exit_reason: random.pick(EXIT_REASONS),
			updated_at: at()
		});
	}
	// A duplicate registration found and removed.
	await update(
		'persons',
		await sampleIds(monitored(), 1),
		{ is_deleted: 1, updated_at: at() },
		'softDeleted'
	);

	const activePeople = (await monitored().select('id', 'township_code').orderBy('id').limit(20_000)) as {
		id: number;
		township_code: string;
	}[];
	let applicationId = await nextId('applications');
	const applications: Row[] = [];
	for (let i = 0; i < daily(figures.monitoredLowIncome * 0.45); i++) {
		const person = random.pick(activePeople);
		const item = random.int(0, ITEMS.length - 1);
		const id = applicationId++;
		const submitted = at(30_600, 61_200);
		applications.push({
			id,
			application_no: `SQ${day.replaceAll('-', '')}${String(id).padStart(8, '0')}`,
			person_id: person.id,
			item_id: item + 1,
			department_id: ITEMS[item]![2] + 1,
			township_code: person.township_code,
			submitted_at: submitted,
			decided_at: null,
			status: 'pending',
			amount: null,
			updated_at: submitted,
			is_deleted: 0
		});
	}
	await insert('applications', applications);
	const pending = await sampleIds(
		trx('applications')
			.where({ status: 'pending' })
			.andWhere('id', '<', applications[0]?.id ?? Number.MAX_SAFE_INTEGER),
		40
	);
	for (const id of pending) {
		const approved = random.chance(0.85);
		const decided = at(32_400, 64_800);
		await update('applications', [id], {
			status: approved ? 'approved' : 'rejected',
			decided_at: decided,
			amount: approved ? yuan(random.int(30_000, 300_000)) : null,
			updated_at: decided
		});
	}

	let alertId = await nextId('alerts');
	const alerts: Row[] = [];
	for (let i = 0; i < daily(figures.monitoredLowIncome * 0.12); i++) {
		const person = random.pick(activePeople);
		const id = alertId++;
		const raised = at(0, 86_399);
		alerts.push({
			id,
			alert_no: `YJ${day.replaceAll('-', '')}${String(id).padStart(8, '0')}`,
			person_id: person.id,
			township_code: person.township_code,
			alert_type: random.pick(ALERT_TYPES),
			level: random.pick(ALERT_LEVELS),
			raised_at: raised,
			dispatched_at: null,
			department_id: null,
			closed_at: null,
			status: 'raised',
			updated_at: raised
		});
	}
	await insert('alerts', alerts);
	for (const id of await sampleIds(trx('alerts').where({ status: 'raised' }), 30)) {
		const when = at(32_400, 61_200);
		await update('alerts', [id], {
			status: 'dispatched',
			dispatched_at: when,
			department_id: random.int(1, 12),
			updated_at: when
		});
	}
	for (const id of await sampleIds(trx('alerts').where({ status: 'dispatched' }), 30)) {
		const when = at(36_000, 64_800);
		await update('alerts', [id], { status: 'closed', closed_at: when, updated_at: when });
	}

	let serviceId = await nextId('service_records');
	const services: Row[] = [];
	for (let i = 0; i < daily(figures.monitoredLowIncome * 0.5); i++) {
		const person = random.pick(activePeople);
		const when = at(30_600, 63_000);
		services.push({
			id: serviceId++,
			person_id: person.id,
			township_code: person.township_code,
			service_type: random.pick(SERVICE_TYPES),
			served_at: when,
			provider: '街道社工站',
			updated_at: when
		});
	}
	await insert('service_records', services);

	// ---- Children: new records screened, five-full steps moving on.
	let childId = await nextId('children');
	const children: Row[] = [];
	for (let i = 0; i < daily(figures.floatingChildren * 0.12); i++) {
		const place = random.pick(template);
		const male = random.chance(0.52);
		const [latest, span] = calendar.birthDayRange(0, 17);
		const birth = calendar.iso(latest - random.int(0, span));
		children.push(childRow(childId++, place, birth, male, random, people, day, at()));
	}
	await insert('children', children);
	for (const id of await sampleIds(
		trx('children').where({ is_suspected: 1 }).whereNull('verified_on').whereNotNull('visited_on'),
		5
	)) {
		await update('children', [id], { verified_on: day, updated_at: at() });
	}

	// ---- Elderly: the day's meal orders; now and then a station opens.
	const elders = (await trx('elders')
		.select('id', 'township_code', 'facility_id', 'subsidy_category')
		.where({ is_deleted: 0 })
		.orderBy('id')) as { id: number; township_code: string; facility_id: number; subsidy_category: string }[];
	let orderId = await nextId('meal_orders');
	const orders: Row[] = [];
	const orderCount = calendar.isWeekend(d)
		? daily(figures.mealOrdersPerYear * 0.6)
		: daily(figures.mealOrdersPerYear * 1.15);
	for (let i = 0; i < orderCount; i++) {
		const elder = random.pick(elders);
		const cents = random.int(20, 44) * 50;
		const category = Math.max(0, SUBSIDY_CATEGORIES.indexOf(elder.subsidy_category as never));
		const id = orderId++;
		orders.push({
			id,
			order_no: `DC${day.replaceAll('-', '')}${String(id).padStart(9, '0')}`,
			elder_id: elder.id,
			facility_id: elder.facility_id,
			township_code: elder.township_code,
			ordered_on: day,
			meal: random.chance(0.82) ? '午餐' : '晚餐',
			amount: yuan(cents),
			subsidy: yuan(Math.min(cents, SUBSIDY_PER_MEAL[category]!)),
			updated_at: at(37_800, 66_600)
		});
	}
	await insert('meal_orders', orders);
	if (random.chance(0.5)) {
		const place = random.pick(template);
		const id = await nextId('service_facilities');
		await insert('service_facilities', [
			{
				id,
				// Four digits after the community (the generator uses two), so a new station's code is new.
				code: `ZD${place.community_code.slice(2)}${String(id % 10_000).padStart(4, '0')}`,
				kind: 'community_station',
				name: `${place.community_code}养老服务站`,
				township_code: place.township_code,
				community_code: place.community_code,
				floor_area_m2: random.int(300, 800),
				opened_on: day,
				updated_at: at(),
				is_deleted: 0
			}
		]);
	}

	// ---- Community: new mediation cases, some closed.
	const committees = (await trx('mediation_committees').select('id', 'township_code').orderBy('id')) as {
		id: number;
		township_code: string;
	}[];
	let caseId = await nextId('mediation_cases');
	const cases: Row[] = [];
	for (let i = 0; i < daily(figures.mediationResolvedThisYear * 1.1); i++) {
		const committee = random.pick(committees);
		const id = caseId++;
		cases.push({
			id,
			case_no: `RT${day.replaceAll('-', '')}${String(id).padStart(6, '0')}`,
			committee_id: committee.id,
			township_code: committee.township_code,
			dispute_type: random.pick(DISPUTE_TYPES),
			applicant_name: people.fullName(random.chance(0.5)),
			applicant_phone: people.mobile(),
			received_on: day,
			closed_on: null,
			status: 'received',
			amount_involved: yuan(0),
			updated_at: at()
		});
	}
	await insert('mediation_cases', cases);
	for (const id of await sampleIds(
		trx('mediation_cases').where({ status: 'received' }).andWhere('received_on', '<', day),
		3
	)) {
		await update('mediation_cases', [id], { status: 'resolved', closed_on: day, updated_at: at() });
	}

	// ---- Charity: the day's donations; one refunded and withdrawn.
	let donationId = await nextId('donations');
	const donations: Row[] = [];
	for (let i = 0; i < daily(60_000 * scale); i++) {
		const id = donationId++;
		const when = at(0, 86_399);
		donations.push(
			donationRow(
				id,
				day,
				when,
				random.int(1, 500) * 1_000,
				random.pick(template).township_code,
				random,
				people
			)
		);
	}
	await insert('donations', donations);
	await update(
		'donations',
		await sampleIds(trx('donations').where({ is_deleted: 0 }), 1),
		{ is_deleted: 1, updated_at: at() },
		'softDeleted'
	);

	// ---- Deliberately bad rows, one of each kind the ETL must catch.
	const badOrderId = orderId++;
	await insert('meal_orders', [
		{
			...orders[0]!,
			id: badOrderId,
			order_no: `DC${day.replaceAll('-', '')}${String(badOrderId).padStart(9, '0')}`,
			township_code: UNKNOWN_TOWNSHIP_CODE
		}
	]);
	summary.badRows.push({ table: 'meal_orders', id: badOrderId, reason: 'unknown_area_code' });
	const duplicateId = orderId++;
	await insert('meal_orders', [{ ...orders[1 % orders.length]!, id: duplicateId }]);
	summary.badRows.push({ table: 'meal_orders', id: duplicateId, reason: 'duplicate_key' });
	const negativeId = donationId++;
	await insert('donations', [
		{
			...donationRow(negativeId, day, at(), 1, template[0]!.township_code, random, people),
			amount: '-500.00'
		}
	]);
	summary.badRows.push({ table: 'donations', id: negativeId, reason: 'negative_amount' });
	const futureChildId = childId++;
	const future = calendar.iso(d + 200);
	await insert('children', [
		childRow(futureChildId, random.pick(template), future, true, random, people, day, at())
	]);
	summary.badRows.push({ table: 'children', id: futureChildId, reason: 'future_date' });

	await trx(DEMO_META.name).where({ key: 'as_of' }).update({ value: day });
	await trx(DEMO_META.name)
		.where({ key: `tick:${day}` })
		.delete();
	await trx(DEMO_META.name).insert({ key: `tick:${day}`, value: JSON.stringify(summary.badRows) });
	return summary;
}

function pickSome(random: Random, ids: number[], n: number): number[] {
	const chosen = new Set<number>();
	while (chosen.size < Math.min(n, ids.length)) chosen.add(ids[random.int(0, ids.length - 1)]!);
	return [...chosen].sort((a, b) => a - b);
}

function fakeIdNumber(area: string, birth: string, random: Random, male: boolean): string {
	// Ticks draw a random sequence; a clash with an existing person is possible but harmless to the demo.
	return makeIdNumber(area, birth, random.int(0, 499), male);
}

function childRow(
	id: number,
	place: { township_code: string; community_code: string },
	birth: string,
	male: boolean,
	random: Random,
	people: ReturnType<typeof createFakePeople>,
	day: string,
	updatedAt: string
): Row {
	return {
		id,
		id_number: fakeIdNumber(place.township_code.slice(0, 6), birth, random, male),
		name: people.fullName(male),
		gender: male ? '男' : '女',
		birth_date: birth,
		category: random.chance(0.85) ? '流动儿童' : '留守儿童',
		guardianship: '父母监护',
		is_suspected: 0,
		township_code: place.township_code,
		community_code: place.community_code,
		guardian_name: people.fullName(random.chance(0.5)),
		guardian_phone: people.mobile(),
		address: `山东省青岛市${people.street()}${random.int(1, 300)}号`,
		registered_on: day,
		visited_on: null,
		verified_on: null,
		filed_on: null,
		measures_on: null,
		monitored_on: null,
		updated_at: updatedAt,
		is_deleted: 0
	};
}

function donationRow(
	id: number,
	day: string,
	when: string,
	cents: number,
	townshipCode: string,
	random: Random,
	people: ReturnType<typeof createFakePeople>
): Row {
	return {
		id,
		donation_no: `JZ${day.replaceAll('-', '')}${String(id).padStart(7, '0')}`,
		org_id: random.int(1, 103),
		fund_id: null,
		project_id: null,
		donor_type: '个人',
		donor_name: people.fullName(random.chance(0.5)),
		donor_phone: people.mobile(),
		channel: '线上',
		township_code: townshipCode,
		amount: yuan(cents),
		donated_at: when,
		updated_at: when,
		is_deleted: 0
	};
}
