/**
 * Nightly builds on the embedded ClickHouse: generic tests honour dbt's `where:` config (rendered with
 * Jinja, so vars and macros work; a non-string is a parse error); a `build --publish` of a publishable
 * incremental model starts its shadow as a clone of the live table and recomputes only the night's
 * months, never building on a shadow a failed night left behind; and an insert_overwrite model whose
 * partition key changed is rebuilt whole (is_incremental() false) instead of being added to.
 * Each describe writes its own small project to a temporary directory and builds it in its own schema.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWarehouse, type Warehouse } from '$lib/server/warehouse';
import { createClickHouseAdapter } from '$lib/server/transform/adapters/clickhouse';
import type { NodeResult } from '$lib/server/transform/artifacts';
import { ProjectError } from '$lib/server/transform/errors';
import { runTransform, type TransformOptions, type TransformOutcome } from '$lib/server/transform/runner';
import type { Adapter } from '$lib/server/transform/types';

let root: string;
let wh: Warehouse;

beforeAll(async () => {
	root = fs.mkdtempSync(path.join(os.tmpdir(), 'incremental-publish-'));
	wh = await createWarehouse({ mode: 'embedded', path: path.join(root, 'warehouse') });
});

afterAll(async () => {
	await wh?.close();
	if (root) fs.rmSync(root, { recursive: true, force: true });
});

interface Project {
	dir: string;
	adapter: Adapter;
	write(file: string, text: string): void;
	run(options: Omit<TransformOptions, 'projectDir'>): Promise<TransformOutcome>;
	/** Rows of `sql` run on the warehouse. */
	query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
}

/**
 * A project named `name` in a fresh directory, built by an adapter whose default schema is `name` too,
 * so models land in `<name>_marts`, seeds in `<name>_raw` and shadows in `<name>_marts__shadow`.
 */
function openProject(name: string, files: Record<string, string>): Project {
	const dir = path.join(root, name);
	const write = (file: string, text: string) => {
		fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
		fs.writeFileSync(path.join(dir, file), text);
	};
	write(
		'dbt_project.yml',
		[
			`name: ${name}`,
			"version: '1.0'",
			"model-paths: ['models']",
			"seed-paths: ['seeds']",
			"test-paths: ['tests']",
			"macro-paths: ['macros']",
			"target-path: 'target'",
			'vars:',
			"  loaded_after: '1970-01-01 00:00:00'",
			"  checked_from: '2026-01-01'",
			'  break_night: false',
			'seeds:',
			`  ${name}:`,
			'    +schema: raw',
			'models:',
			`  ${name}:`,
			'    +schema: marts',
			''
		].join('\n')
	);
	for (const [file, text] of Object.entries(files)) write(file, text);
	const adapter = createClickHouseAdapter(wh, { defaultSchema: name });
	return {
		dir,
		adapter,
		write,
		run: (options) => runTransform(adapter, { projectDir: dir, ...options }),
		query: <T>(sql: string) => wh.query<T>(sql)
	};
}

function resultOf(outcome: TransformOutcome, uniqueIdPrefix: string): NodeResult {
	const found = outcome.results.filter((r) => r.uniqueId.startsWith(uniqueIdPrefix));
	expect(found, `one result for ${uniqueIdPrefix}`).toHaveLength(1);
	return found[0]!;
}

/** Tables whose names show a build or a publish did not finish: shadows and staging tables. */
async function leftovers(project: Project): Promise<string[]> {
	const rows = await project.query<{ name: string }>(
		"SELECT concat(database, '.', name) AS name FROM system.tables WHERE database LIKE '%__shadow' OR name LIKE '%__dbt_%'"
	);
	return rows.map((r) => r.name);
}

const csv = (lines: string[]) => `${lines.join('\n')}\n`;

describe('a generic test with a where: config', () => {
	let project: Project;

	beforeAll(() => {
		project = openProject('checks', {
			// Check-in 2 was entered twice, once voided; a voided check-in also lost its id.
			'seeds/raw_checkins.csv': csv([
				'checkin_id,day,status',
				'1,2026-01-05,ok',
				'2,2026-01-06,ok',
				'2,2026-01-06,void',
				',2026-01-07,void',
				'3,2026-02-01,ok'
			]),
			'models/checkins.sql': "select checkin_id, day, status from {{ ref('raw_checkins') }}\n",
			'macros/is_live.sql': "{% macro is_live(column) %}{{ column }} = 'ok'{% endmacro %}\n"
		});
	});

	const writeTests = (yaml: string[]) =>
		project.write(
			'models/_checkins.yml',
			['models:', '  - name: checkins', '    columns:', ...yaml.map((l) => `      ${l}`), ''].join('\n')
		);

	it('passes unique and not_null on the rows the condition keeps, and fails them without it', async () => {
		writeTests([
			'- name: checkin_id',
			'  tests:',
			'    - unique:',
			'        config:',
			`          where: "status = 'ok'"`,
			'    - not_null:',
			'        config:',
			`          where: "status = 'ok'"`
		]);
		const filtered = await project.run({ verb: 'build' });
		expect(filtered.exitCode).toBe(0);
		const unique = resultOf(filtered, 'test.checks.unique_checkins_checkin_id.');
		const notNull = resultOf(filtered, 'test.checks.not_null_checkins_checkin_id.');
		expect(unique).toMatchObject({ status: 'pass', failures: 0 });
		expect(notNull).toMatchObject({ status: 'pass', failures: 0 });
		expect(unique.compiledSql).toContain(
			"from (select * from `checks_marts`.`checkins` where status = 'ok') dbt_subquery"
		);

		writeTests(['- name: checkin_id', '  tests: [unique, not_null]']);
		const unfiltered = await project.run({ verb: 'build' });
		expect(unfiltered.exitCode).toBe(1);
		expect(resultOf(unfiltered, 'test.checks.unique_checkins_checkin_id.')).toMatchObject({
			status: 'fail',
			failures: 1
		});
		expect(resultOf(unfiltered, 'test.checks.not_null_checkins_checkin_id.')).toMatchObject({
			status: 'fail',
			failures: 1
		});
	});

	it('passes not_null on a column whose type cannot hold NULL without a query, and queries the others', async () => {
		writeTests(['- name: checkin_id', '  tests: [not_null]', '- name: status', '  tests: [not_null]']);
		const outcome = await project.run({ verb: 'build' });
		const [types] = await project.query<{ id: string; status: string }>(
			'SELECT toTypeName(checkin_id) AS id, toTypeName(status) AS status FROM checks_marts.checkins LIMIT 1'
		);
		expect(types).toEqual({ id: 'Nullable(Int64)', status: 'String' });
		expect(resultOf(outcome, 'test.checks.not_null_checkins_status.')).toMatchObject({
			status: 'pass',
			failures: 0,
			message: "PASS: the column's type cannot hold NULL"
		});
		// The seeds' empty id is a NULL in a Nullable column: the test runs, and fails.
		expect(resultOf(outcome, 'test.checks.not_null_checkins_checkin_id.')).toMatchObject({
			status: 'fail',
			failures: 1
		});
		expect(
			await project.adapter.columnsThatCannotBeNull!({ schema: 'checks_marts', identifier: 'checkins' })
		).toEqual(['day', 'status']);
	});

	it("renders the condition with Jinja: var() takes runTransform's vars and project macros expand", async () => {
		writeTests([
			'- name: checkin_id',
			'  tests:',
			'    - unique:',
			'        config:',
			`          where: "day >= '{{ var('checked_from') }}'"`,
			'    - not_null:',
			'        config:',
			`          where: "{{ is_live('status') }}"`,
			'- name: status',
			'  tests:',
			'    - accepted_values:',
			"        values: ['ok']",
			'        config:',
			`          where: "{{ is_live('status') }}"`
		]);
		// The project's checked_from (2026-01-01) keeps the duplicated January check-in in view.
		const byProjectVar = await project.run({ verb: 'build' });
		expect(byProjectVar.exitCode).toBe(1);
		const failing = resultOf(byProjectVar, 'test.checks.unique_checkins_checkin_id.');
		expect(failing).toMatchObject({ status: 'fail', failures: 1 });
		expect(failing.compiledSql).toContain("where day >= '2026-01-01') dbt_subquery");
		const notNull = resultOf(byProjectVar, 'test.checks.not_null_checkins_checkin_id.');
		expect(notNull).toMatchObject({ status: 'pass', failures: 0 });
		expect(notNull.compiledSql).toContain("where status = 'ok') dbt_subquery");
		expect(resultOf(byProjectVar, 'test.checks.accepted_values_checkins_status_ok.')).toMatchObject({
			status: 'pass',
			failures: 0
		});

		// --vars moves the window past January: the duplicate is out of the tested rows.
		const byRunVar = await project.run({ verb: 'build', vars: { checked_from: '2026-02-01' } });
		expect(byRunVar.exitCode).toBe(0);
		const passing = resultOf(byRunVar, 'test.checks.unique_checkins_checkin_id.');
		expect(passing).toMatchObject({ status: 'pass', failures: 0 });
		expect(passing.compiledSql).toContain("where day >= '2026-02-01') dbt_subquery");
		const compiledFile = fs.readFileSync(
			path.join(project.dir, 'target/compiled/checks/models/_checkins.yml/unique_checkins_checkin_id.sql'),
			'utf8'
		);
		expect(compiledFile).toContain("'2026-02-01'");
	});

	it('rejects a where: that is not a SQL condition in quotes when the project is parsed', async () => {
		writeTests(['- name: checkin_id', '  tests:', '    - unique:', '        config:', '          where: 3']);
		const numeric = project.run({ verb: 'build' });
		await expect(numeric).rejects.toBeInstanceOf(ProjectError);
		await expect(numeric).rejects.toThrow(
			"models/_checkins.yml: a test's where: must be a SQL condition in quotes, got 3"
		);

		writeTests([
			'- name: checkin_id',
			'  tests:',
			'    - not_null:',
			'        config:',
			`          where: '  '`
		]);
		await expect(project.run({ verb: 'build' })).rejects.toThrow(
			`a test's where: must be a SQL condition in quotes, got "  "`
		);
	});
});

/**
 * A daily mart partitioned by month that, when it can add to its table, recomputes only the months
 * with rows loaded after `loaded_after` (the last published night's watermark, as the pipeline does).
 */
function monthlyVisitsModel(partitionBy: string): string {
	return [
		`{{ config(materialized='incremental', incremental_strategy='insert_overwrite', partition_by='${partitionBy}', order_by='day', publish=true) }}`,
		'select day, count(*) as visits, sum(amount) as amount',
		"from {{ ref('raw_visits') }}",
		'{% if is_incremental() %}',
		'where toYYYYMM(day) in (',
		"    select toYYYYMM(day) from {{ ref('raw_visits') }} where loaded_at > '{{ var('loaded_after') }}'",
		')',
		'{% endif %}',
		'group by day',
		''
	].join('\n');
}

const FILTER = "where loaded_at > '";

const firstNightVisits = [
	'visit_id,day,amount,loaded_at',
	'1,2026-01-10,100,2026-03-01 08:00:00',
	'2,2026-01-10,50,2026-03-01 08:00:00',
	'3,2026-01-20,70,2026-03-01 08:00:00',
	'4,2026-02-03,200,2026-03-01 08:00:00',
	'5,2026-02-14,30,2026-03-01 08:00:00'
];

const firstNightDays = [
	{ day: '2026-01-10', visits: 2, amount: 150 },
	{ day: '2026-01-20', visits: 1, amount: 70 },
	{ day: '2026-02-03', visits: 1, amount: 200 },
	{ day: '2026-02-14', visits: 1, amount: 30 }
];

async function readDays(project: Project, table: string) {
	return project.query<{ day: string; visits: number; amount: number }>(
		`SELECT toString(day) AS day, toInt32(visits) AS visits, toInt32(amount) AS amount FROM ${table} ORDER BY day`
	);
}

async function partitionKey(project: Project, database: string, table: string): Promise<string | undefined> {
	const [row] = await project.query<{ partition_key: string }>(
		`SELECT partition_key FROM system.tables WHERE database = '${database}' AND name = '${table}'`
	);
	return row?.partition_key;
}

describe('build --publish of a publishable incremental model', () => {
	let project: Project;
	const live = '`nightly_marts`.`daily_visits`';

	beforeAll(() => {
		project = openProject('nightly', {
			'seeds/raw_visits.csv': csv(firstNightVisits),
			'models/daily_visits.sql': monthlyVisitsModel('toYYYYMM(day)')
		});
	});

	it('publishes the first night whole, then recomputes only the month with new rows on the live table', async () => {
		const first = await project.run({ verb: 'build', publish: true });
		expect(first.exitCode).toBe(0);
		expect(first.dataVersion).toBeGreaterThan(0);
		// Nothing was published yet: the first night builds the whole table.
		expect(resultOf(first, 'model.nightly.daily_visits').compiledSql).not.toContain(FILTER);
		expect(await readDays(project, live)).toEqual(firstNightDays);
		expect(await partitionKey(project, 'nightly_marts', 'daily_visits')).toBe('toYYYYMM(day)');

		// The next night loads two February visits. Visit 1 is also edited in place without a new
		// loaded_at, which the night's filter cannot see: a whole rebuild would show it (1049 for
		// 10 January), a night that starts from the live table keeps January as published.
		project.write(
			'seeds/raw_visits.csv',
			csv([
				...firstNightVisits.map((l) => l.replace('1,2026-01-10,100,', '1,2026-01-10,999,')),
				'6,2026-02-14,40,2026-03-02 08:00:00',
				'7,2026-02-20,60,2026-03-02 08:00:00'
			])
		);
		const second = await project.run({
			verb: 'build',
			publish: true,
			vars: { loaded_after: '2026-03-01 23:59:59' }
		});
		expect(second.exitCode).toBe(0);
		expect(second.dataVersion).toBe(first.dataVersion! + 1);
		const model = resultOf(second, 'model.nightly.daily_visits');
		// Compiled for adding: the night's filter with the run's watermark, built into the shadow.
		expect(model.compiledSql).toContain(`${FILTER}2026-03-01 23:59:59'`);
		expect(model.relationName).toBe('`nightly_marts__shadow`.`daily_visits`');
		expect(
			fs.readFileSync(path.join(project.dir, 'target/compiled/nightly/models/daily_visits.sql'), 'utf8')
		).toContain(`${FILTER}2026-03-01 23:59:59'`);
		// Only February's three days were computed and replaced.
		expect(model.rowsAffected).toBe(3);
		expect(await readDays(project, live)).toEqual([
			{ day: '2026-01-10', visits: 2, amount: 150 },
			{ day: '2026-01-20', visits: 1, amount: 70 },
			{ day: '2026-02-03', visits: 1, amount: 200 },
			{ day: '2026-02-14', visits: 2, amount: 70 },
			{ day: '2026-02-20', visits: 1, amount: 60 }
		]);
		expect(await leftovers(project)).toEqual([]);
	});

	it('a night with no new rows publishes the live rows unchanged', async () => {
		const before = await readDays(project, live);
		const quiet = await project.run({
			verb: 'build',
			publish: true,
			vars: { loaded_after: '2026-03-02 23:59:59' }
		});
		expect(quiet.exitCode).toBe(0);
		const model = resultOf(quiet, 'model.nightly.daily_visits');
		expect(model.compiledSql).toContain(`${FILTER}2026-03-02 23:59:59'`);
		expect(model.rowsAffected).toBe(0);
		expect(await readDays(project, live)).toEqual(before);
		expect(await leftovers(project)).toEqual([]);
	});
});

describe('a publish night after a failed one', () => {
	let project: Project;
	const live = '`retried_marts`.`visit_log`';

	beforeAll(() => {
		project = openProject('retried', {
			'seeds/raw_visits.csv': csv(firstNightVisits),
			'models/visit_log.sql': [
				"{{ config(materialized='incremental', incremental_strategy='append', order_by='visit_id', publish=true) }}",
				"select visit_id, day, amount, loaded_at from {{ ref('raw_visits') }}",
				'{% if is_incremental() %}',
				"where loaded_at > '{{ var('loaded_after') }}'",
				'{% endif %}',
				''
			].join('\n'),
			// Fails the night on demand, after the model was built into its shadow.
			'tests/assert_night_not_broken.sql':
				"select * from {{ ref('visit_log') }} where {{ var('break_night') }}\n"
		});
	});

	it('starts again from the live table, not from the shadow the failed night left behind', async () => {
		expect((await project.run({ verb: 'build', publish: true })).exitCode).toBe(0);
		const ids = async () =>
			(await project.query<{ id: number }>(`SELECT toInt32(visit_id) AS id FROM ${live} ORDER BY id`)).map(
				(r) => r.id
			);
		expect(await ids()).toEqual([1, 2, 3, 4, 5]);

		fs.appendFileSync(
			path.join(project.dir, 'seeds/raw_visits.csv'),
			csv(['6,2026-02-14,40,2026-03-02 08:00:00', '7,2026-02-20,60,2026-03-02 08:00:00'])
		);
		const watermark = { loaded_after: '2026-03-01 23:59:59' };
		const failed = await project.run({
			verb: 'build',
			publish: true,
			vars: { ...watermark, break_night: true }
		});
		expect(failed.exitCode).toBe(1);
		expect(failed.dataVersion).toBeUndefined();
		expect(resultOf(failed, 'test.retried.assert_night_not_broken').status).toBe('fail');
		expect(await ids()).toEqual([1, 2, 3, 4, 5]);

		// The pipeline retries with the same watermark (the last published one): the night's rows are
		// appended once to a fresh clone of the live table, not a second time to the failed night's shadow.
		const retried = await project.run({ verb: 'build', publish: true, vars: watermark });
		expect(retried.exitCode).toBe(0);
		expect(resultOf(retried, 'model.retried.visit_log').compiledSql).toContain(
			`${FILTER}2026-03-01 23:59:59'`
		);
		expect(await ids()).toEqual([1, 2, 3, 4, 5, 6, 7]);
		expect(await leftovers(project)).toEqual([]);
	});
});

describe('an insert_overwrite model whose partition_by changed', () => {
	let project: Project;
	const live = '`repartitioned_marts`.`daily_visits`';
	const allDays = [...firstNightDays, { day: '2026-03-05', visits: 1, amount: 80 }];

	beforeAll(() => {
		project = openProject('repartitioned', {
			'seeds/raw_visits.csv': csv(firstNightVisits),
			'models/daily_visits.sql': monthlyVisitsModel('toYYYYMM(day)')
		});
	});

	it('is rebuilt whole in a publish build, with every row and the new key', async () => {
		expect((await project.run({ verb: 'build', publish: true })).exitCode).toBe(0);
		expect(await partitionKey(project, 'repartitioned_marts', 'daily_visits')).toBe('toYYYYMM(day)');

		// A March visit arrives with the new key: added to, the table would hold only March's day.
		fs.appendFileSync(
			path.join(project.dir, 'seeds/raw_visits.csv'),
			csv(['8,2026-03-05,80,2026-03-06 08:00:00'])
		);
		project.write('models/daily_visits.sql', monthlyVisitsModel('toYear(day)'));
		const outcome = await project.run({
			verb: 'build',
			publish: true,
			vars: { loaded_after: '2026-03-01 23:59:59' }
		});
		expect(outcome.exitCode).toBe(0);
		const model = resultOf(outcome, 'model.repartitioned.daily_visits');
		expect(model.status).toBe('success');
		expect(model.compiledSql).not.toContain(FILTER);
		expect(model.rowsAffected).toBe(allDays.length);
		expect(await readDays(project, live)).toEqual(allDays);
		expect(await partitionKey(project, 'repartitioned_marts', 'daily_visits')).toBe('toYear(day)');
		expect(await leftovers(project)).toEqual([]);
	});

	it('is rebuilt whole in a plain build, then added to again once the key matches', async () => {
		project.write('models/daily_visits.sql', monthlyVisitsModel('toYYYYMM(day)'));
		const vars = { loaded_after: '2026-03-05 23:59:59' };
		const rebuilt = await project.run({ verb: 'build', vars });
		expect(rebuilt.exitCode).toBe(0);
		const model = resultOf(rebuilt, 'model.repartitioned.daily_visits');
		expect(model.compiledSql).not.toContain(FILTER);
		expect(model.rowsAffected).toBe(allDays.length);
		expect(await readDays(project, live)).toEqual(allDays);
		expect(await partitionKey(project, 'repartitioned_marts', 'daily_visits')).toBe('toYYYYMM(day)');

		// Same key as the table now: is_incremental() is true again and only March is recomputed.
		const added = await project.run({ verb: 'build', vars });
		expect(added.exitCode).toBe(0);
		const again = resultOf(added, 'model.repartitioned.daily_visits');
		expect(again.compiledSql).toContain(`${FILTER}2026-03-05 23:59:59'`);
		expect(again.rowsAffected).toBe(1);
		expect(await readDays(project, live)).toEqual(allDays);
		expect(await leftovers(project)).toEqual([]);
	});
});
