/**
 * The app database on both engines: one suite, run on SQLite in a temporary directory and, when
 * TEST_POSTGRES_URL is set, on PostgreSQL in a fresh schema that is dropped afterwards.
 */
import { randomBytes, createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '$lib/server/config';
import { listAudit, recordAudit } from '$lib/server/appdb/audit';
import { AppDatabaseError, closeAppDatabase, openAppDatabase } from '$lib/server/appdb/db';
import { getMigrationStatus, migrateToLatest } from '$lib/server/appdb/migrate';
import { appMigrations } from '$lib/server/appdb/migrations';
import { createUser, disableUser, findUserByUsername, listUsers, UserError } from '$lib/server/appdb/users';

const postgresUrl = process.env.TEST_POSTGRES_URL;
const migrationNames = appMigrations.map((migration) => migration.name);

/** A session id as the auth code will store it: the SHA-256 of a random token. */
function makeSessionId(): string {
	return createHash('sha256').update(randomBytes(32)).digest('hex');
}

async function insertSession(db: Knex, userId: number): Promise<string> {
	const id = makeSessionId();
	const now = new Date().toISOString();
	await db('sessions').insert({
		id,
		user_id: userId,
		created_at: now,
		expires_at: new Date(Date.now() + 3_600_000).toISOString(),
		last_seen_at: now,
		user_agent: 'vitest',
		ip: '127.0.0.1'
	});
	return id;
}

/** The behaviour both engines must share; `open` yields a database with no tables yet. */
function defineSharedSuite(open: () => Promise<Knex>) {
	let db: Knex;
	beforeAll(async () => {
		db = await open();
	});

	it('applies every migration, then none on a second run', async () => {
		expect(await migrateToLatest(db)).toEqual(migrationNames);
		expect(await migrateToLatest(db)).toEqual([]);
	});

	it('lists every migration as applied', async () => {
		const status = await getMigrationStatus(db);
		expect(status.map((entry) => entry.name)).toEqual(migrationNames);
		for (const entry of status) {
			expect(entry.applied).toBe(true);
			expect(entry.batch).toBe(1);
			expect(entry.appliedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
		}
	});

	it('creates a user and finds it by username whatever the case', async () => {
		const created = await createUser(db, { username: 'Zhang.Wei', displayName: '张伟', role: 'planner' });
		expect(created).toMatchObject({
			username: 'Zhang.Wei',
			displayName: '张伟',
			role: 'planner',
			districtCode: null,
			disabledAt: null
		});
		expect(created.id).toBeTypeOf('number');
		expect(created).not.toHaveProperty('passwordHash');
		expect(await findUserByUsername(db, 'zhang.wei')).toEqual(created);
		expect(await findUserByUsername(db, 'ZHANG.WEI')).toEqual(created);
		expect(await findUserByUsername(db, 'nobody')).toBeUndefined();
	});

	it('accepts Chinese usernames and folds full-width letters', async () => {
		const chinese = await createUser(db, { username: '李娜娜', role: 'leader' });
		expect(await findUserByUsername(db, '李娜娜')).toEqual(chinese);
		const fullWidth = await createUser(db, { username: 'ＡＢＣ１２３', role: 'leader' });
		expect(fullWidth.username).toBe('ABC123');
		expect(await findUserByUsername(db, 'abc123')).toEqual(fullWidth);
	});

	it('refuses a duplicate username, ignoring case, with a clear error', async () => {
		const attempt = createUser(db, { username: 'ZHANG.wei', role: 'leader' });
		await expect(attempt).rejects.toThrow(UserError);
		await expect(attempt).rejects.toMatchObject({ code: 'duplicate' });
		await expect(attempt).rejects.toThrow('The username "ZHANG.wei" is already taken');
	});

	it('refuses malformed usernames', async () => {
		for (const username of ['ab', 'a'.repeat(33), 'has space', 'semi;colon', 'émile']) {
			await expect(createUser(db, { username, role: 'leader' })).rejects.toMatchObject({ code: 'invalid' });
		}
	});

	it('requires a Qingdao district code for a district officer, and only for one', async () => {
		await expect(createUser(db, { username: 'officer1', role: 'district_officer' })).rejects.toThrow(
			'Invalid user: districtCode is required for a district officer'
		);
		for (const districtCode of ['370102', '37020', '3702AB', '370200']) {
			await expect(
				createUser(db, { username: 'officer1', role: 'district_officer', districtCode })
			).rejects.toMatchObject({ code: 'invalid' });
		}
		await expect(
			createUser(db, { username: 'planner2', role: 'planner', districtCode: '370202' })
		).rejects.toThrow('districtCode must be empty for role planner');
		const officer = await createUser(db, {
			username: 'officer1',
			role: 'district_officer',
			districtCode: '370212'
		});
		expect(officer.districtCode).toBe('370212');
	});

	it('enforces the role and district rules in the schema too', async () => {
		const row = (fields: Record<string, unknown>) => ({
			username_normalized: `raw_${randomBytes(4).toString('hex')}`,
			username: 'raw',
			display_name: 'raw',
			created_at: new Date().toISOString(),
			updated_at: new Date().toISOString(),
			...fields
		});
		await expect(db('users').insert(row({ role: 'superuser' }))).rejects.toThrow();
		await expect(db('users').insert(row({ role: 'district_officer' }))).rejects.toThrow();
		await expect(db('users').insert(row({ role: 'leader', district_code: '370202' }))).rejects.toThrow();
		await expect(
			db('users').insert(row({ role: 'district_officer', district_code: '370102' }))
		).rejects.toThrow();
	});

	it('lists users by username, optionally without disabled ones', async () => {
		const user = await createUser(db, { username: 'leaver', role: 'planner' });
		await disableUser(db, user.id);
		const all = await listUsers(db);
		const normalized = all.map((entry) => entry.username.toLowerCase());
		expect(normalized).toEqual([...normalized].sort());
		expect(normalized).toContain('leaver');
		expect((await listUsers(db, { includeDisabled: false })).map((entry) => entry.username)).not.toContain(
			'leaver'
		);
	});

	it('disables a user, ends their sessions and keeps the first disable time', async () => {
		const user = await createUser(db, { username: 'disable.me', role: 'leader' });
		await insertSession(db, user.id);
		const first = await disableUser(db, user.id, new Date('2026-10-01T08:00:00.000Z'));
		expect(first.disabledAt).toBe('2026-10-01T08:00:00.000Z');
		expect(await db('sessions').where({ user_id: user.id })).toEqual([]);
		const second = await disableUser(db, user.id, new Date('2026-10-02T08:00:00.000Z'));
		expect(second.disabledAt).toBe('2026-10-01T08:00:00.000Z');
		await expect(disableUser(db, 999_999)).rejects.toMatchObject({ code: 'not_found' });
	});

	it('deletes the sessions of a deleted user (foreign keys are enforced)', async () => {
		const user = await createUser(db, { username: 'deleted.user', role: 'leader' });
		const sessionIds = [await insertSession(db, user.id), await insertSession(db, user.id)];
		expect(await db('sessions').whereIn('id', sessionIds)).toHaveLength(2);
		await db('users').where({ id: user.id }).delete();
		expect(await db('sessions').whereIn('id', sessionIds)).toEqual([]);
		// And a session cannot point at a user who does not exist.
		await expect(insertSession(db, 999_999)).rejects.toThrow();
	});

	it('round-trips audit entries with JSON detail, newest first', async () => {
		const admin = await createUser(db, { username: 'audit.admin', role: 'admin' });
		const detail = { username: 'new.user', role: 'planner', districts: ['370202'], nested: { ok: true } };
		const firstId = await recordAudit(db, {
			action: 'admin.user_create',
			userId: admin.id,
			target: 'new.user',
			detail,
			ip: '10.0.0.1',
			at: new Date('2026-10-01T08:00:00.000Z')
		});
		await recordAudit(db, {
			action: 'login_failed',
			target: 'ghost',
			at: new Date('2026-10-01T09:00:00.000Z')
		});
		await recordAudit(db, { action: 'login', userId: admin.id, at: new Date('2026-10-01T10:00:00.000Z') });

		const latest = await listAudit(db, { limit: 10 });
		expect(latest.map((entry) => entry.action)).toEqual(['login', 'login_failed', 'admin.user_create']);
		const [created] = await listAudit(db, { limit: 10, action: 'admin.user_create' });
		expect(created).toEqual({
			id: firstId,
			at: '2026-10-01T08:00:00.000Z',
			userId: admin.id,
			action: 'admin.user_create',
			target: 'new.user',
			detail,
			ip: '10.0.0.1'
		});
		expect((await listAudit(db, { limit: 10, action: 'login_failed' }))[0]).toMatchObject({
			userId: null,
			detail: null
		});
		expect(await listAudit(db, { limit: 1 })).toHaveLength(1);
		await expect(recordAudit(db, { action: 'Not An Action' })).rejects.toThrow('Invalid audit entry: action');
	});

	it('issues a report once per kind, period and format', async () => {
		const report = (format: string) => ({
			kind: 'monthly',
			period: '2026-10',
			title: '2026年10月民政数据月报',
			data_version: '2026-11-01T02:00:00Z',
			created_by: null,
			created_at: new Date().toISOString(),
			format,
			content_sha256: createHash('sha256').update(format).digest('hex'),
			file_path: `reports/monthly/2026-10.${format}`,
			byte_size: 12_345
		});
		await db('report_archive').insert(report('pdf'));
		await db('report_archive').insert(report('xlsx'));
		await expect(db('report_archive').insert(report('pdf'))).rejects.toThrow();
		expect(await db('report_archive').where({ kind: 'monthly', period: '2026-10' })).toHaveLength(2);
	});

	return () => db;
}

describe('app database on SQLite', () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'appdb-test-'));
	const getDb = defineSharedSuite(() =>
		openAppDatabase({ client: 'better-sqlite3', filename: path.join(dir, 'nested', 'app.sqlite') })
	);

	it('turns on foreign keys, WAL and a busy timeout', async () => {
		const db = getDb();
		expect(await db.raw('pragma foreign_keys')).toEqual([{ foreign_keys: 1 }]);
		expect(await db.raw('pragma journal_mode')).toEqual([{ journal_mode: 'wal' }]);
		expect(await db.raw('pragma busy_timeout')).toEqual([{ timeout: 5000 }]);
	});

	afterAll(async () => {
		await closeAppDatabase(getDb());
		fs.rmSync(dir, { recursive: true, force: true });
	});
});

describe.skipIf(!postgresUrl)(
	postgresUrl
		? 'app database on PostgreSQL'
		: 'app database on PostgreSQL (skipped: TEST_POSTGRES_URL not set)',
	() => {
		const schema = `appdb_test_${randomBytes(6).toString('hex')}`;
		let admin: Knex | undefined;
		const getDb = defineSharedSuite(async () => {
			admin = await openAppDatabase({ client: 'pg', url: postgresUrl! });
			await admin.raw('create schema ??', [schema]);
			return openAppDatabase({ client: 'pg', url: postgresUrl!, searchPath: schema });
		});

		it('keeps every table inside its own schema', async () => {
			const { rows } = await getDb().raw(
				'select table_name from information_schema.tables where table_schema = ?',
				[schema]
			);
			expect(rows.map((row: { table_name: string }) => row.table_name)).toEqual(
				expect.arrayContaining(['users', 'sessions', 'screen_tokens', 'audit_log', 'report_archive'])
			);
		});

		it('names the database, not the password, when it does not exist', async () => {
			const url = new URL(postgresUrl!);
			url.password = 'hunter2-secret';
			url.pathname = `/${schema}_missing`;
			const attempt = openAppDatabase({ client: 'pg', url: url.toString() });
			await expect(attempt).rejects.toThrow(AppDatabaseError);
			await expect(attempt).rejects.toThrow(`/${schema}_missing: the database does not exist.`);
			await expect(attempt).rejects.not.toThrow('hunter2');
		});

		afterAll(async () => {
			const db = getDb();
			if (db) await closeAppDatabase(db);
			if (admin) {
				await admin.raw('drop schema if exists ?? cascade', [schema]);
				await closeAppDatabase(admin);
			}
		});
	}
);

describe('app database that cannot be opened', () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'appdb-fail-'));
	afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

	it('says in one line which file and what to set when DATA_DIR is not writable', async () => {
		// A path under a regular file: unlike chmod, this stops root too (tests may run as root).
		const blocker = path.join(dir, 'blocker');
		fs.writeFileSync(blocker, '');
		const config = loadConfig({ DATA_DIR: path.join(blocker, 'data') }, dir);
		const file = path.join(blocker, 'data', 'app.sqlite');
		const attempt = openAppDatabase(config.appDatabase);
		await expect(attempt).rejects.toThrow(AppDatabaseError);
		await expect(attempt).rejects.toThrow(
			`Cannot open the app database at ${file}: part of the path is a file, not a directory. ` +
				'Set DATA_DIR to a writable directory (or APP_DATABASE_URL to a PostgreSQL database).'
		);
		await expect(attempt).rejects.not.toThrow('\n');
	});

	it('names the PostgreSQL host and database but never the password when unreachable', async () => {
		const attempt = openAppDatabase({
			client: 'pg',
			url: 'postgres://cockpit:s3cret-pw@127.0.0.1:1/cockpit'
		});
		await expect(attempt).rejects.toThrow(AppDatabaseError);
		await expect(attempt).rejects.toThrow(
			'Cannot connect to the app database postgres://cockpit@127.0.0.1:1/cockpit: connection refused'
		);
		await expect(attempt).rejects.not.toThrow('s3cret');
	});
});
