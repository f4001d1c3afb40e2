/** Signed-in browser sessions. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
	await knex.schema.createTable('sessions', (table) => {
		// The SHA-256 (hex) of the session token, never the token itself: a leaked copy of this table
		// cannot be replayed as a cookie.
		table.string('id', 64).primary();
		table.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
		table.string('created_at', 32).notNullable();
		table.string('expires_at', 32).notNullable();
		table.string('last_seen_at', 32).notNullable();
		table.text('user_agent').nullable();
		// 45 characters holds the longest textual IPv6 address (IPv4-mapped).
		table.string('ip', 45).nullable();

		table.index('user_id', 'sessions_user_id_index');
		// Expired sessions are swept by expiry time.
		table.index('expires_at', 'sessions_expires_at_index');
	});
}

export async function down(knex: Knex): Promise<void> {
	await knex.schema.dropTable('sessions');
}
