/** Logins, exports and admin actions, append-only. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
	await knex.schema.createTable('audit_log', (table) => {
		table.increments('id');
		table.string('at', 32).notNullable();
		// Null when nobody is signed in (a failed login names the attempted username in `target`).
		// No cascade: deleting a user must not erase what they did, so users are disabled instead.
		table.integer('user_id').nullable().references('id').inTable('users');
		table.string('action', 64).notNullable();
		table.string('target', 255).nullable();
		// JSON text rather than a json/jsonb column, so both engines store and return the same thing.
		table.text('detail').nullable();
		table.string('ip', 45).nullable();

		table.index('at', 'audit_log_at_index');
		// Serves "entries of one action" and its newest-first order in one index.
		table.index(['action', 'at'], 'audit_log_action_at_index');
		table.index('user_id', 'audit_log_user_id_index');
	});
}

export async function down(knex: Knex): Promise<void> {
	await knex.schema.dropTable('audit_log');
}
