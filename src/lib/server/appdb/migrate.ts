/** Brings the app database schema up to date, and says where it stands. */
import type { Knex } from 'knex';
import { appMigrations, type AppMigration } from './migrations';

// The migrations come from an imported list, never from a directory scan (see migrations/index.ts).
const migrationSource: Knex.MigrationSource<AppMigration> = {
	getMigrations: async () => [...appMigrations],
	getMigrationName: (migration) => migration.name,
	getMigration: async (migration) => migration
};

const migratorConfig: Knex.MigratorConfig = { migrationSource, tableName: 'knex_migrations' };

export interface MigrationStatus {
	name: string;
	applied: boolean;
	/** The knex batch it was applied in; batches are what a rollback undoes together. */
	batch: number | null;
	appliedAt: string | null;
}

/** Applies every pending migration (each in its own transaction) and returns their names, in order. */
export async function migrateToLatest(db: Knex): Promise<string[]> {
	const [, applied] = (await db.migrate.latest(migratorConfig)) as [number, string[]];
	return applied;
}

/**
 * Every known migration in order, applied or not. Fails, like `migrateToLatest`, when the database
 * has applied a migration this code does not know (the database is newer than the app).
 */
export async function getMigrationStatus(db: Knex): Promise<MigrationStatus[]> {
	// `list` validates the recorded names against the source and creates the bookkeeping table if needed.
	await db.migrate.list(migratorConfig);
	const rows: { name: string; batch: number | string; migration_time: Date | number | string }[] = await db(
		migratorConfig.tableName!
	).select('name', 'batch', 'migration_time');
	const byName = new Map(rows.map((row) => [row.name, row]));
	return appMigrations.map(({ name }) => {
		const row = byName.get(name);
		return {
			name,
			applied: row !== undefined,
			batch: row ? Number(row.batch) : null,
			// PostgreSQL returns a Date, SQLite the epoch milliseconds knex bound for it.
			appliedAt: row ? new Date(row.migration_time).toISOString() : null
		};
	});
}
