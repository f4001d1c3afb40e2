/**
 * The app database's migrations, in order. An explicit list of imported modules rather than a
 * directory that knex scans at run time: bundling (vite/SvelteKit) renames and merges files, so a
 * scan would find nothing in production while working under tsx and vitest.
 *
 * The name is what knex records in its table: never rename or reorder an entry, only append.
 */
import type { Knex } from 'knex';
import * as createUsers from './0001-create-users';
import * as createSessions from './0002-create-sessions';
import * as createScreenTokens from './0003-create-screen-tokens';
import * as createAuditLog from './0004-create-audit-log';
import * as createReportArchive from './0005-create-report-archive';

export interface AppMigration extends Knex.Migration {
	name: string;
}

export const appMigrations: readonly AppMigration[] = Object.freeze([
	{ name: '0001-create-users', up: createUsers.up, down: createUsers.down },
	{ name: '0002-create-sessions', up: createSessions.up, down: createSessions.down },
	{ name: '0003-create-screen-tokens', up: createScreenTokens.up, down: createScreenTokens.down },
	{ name: '0004-create-audit-log', up: createAuditLog.up, down: createAuditLog.down },
	{ name: '0005-create-report-archive', up: createReportArchive.up, down: createReportArchive.down }
]);
