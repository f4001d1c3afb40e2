/** Revocable tokens that let a wall display read the big screen, and nothing else. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
	await knex.schema.createTable('screen_tokens', (table) => {
		table.increments('id');
		// SHA-256 (hex) of the token, as for sessions; the token is shown once, when issued.
		table.string('token_hash', 64).notNullable().unique({ indexName: 'screen_tokens_token_hash_unique' });
		table.string('label', 100).notNullable();
		// No cascade: users who have acted are disabled, not deleted, so the record of who issued a
		// token survives.
		table.integer('created_by').notNullable().references('id').inTable('users');
		table.string('created_at', 32).notNullable();
		table.string('revoked_at', 32).nullable();
		table.string('last_used_at', 32).nullable();
	});
}

export async function down(knex: Knex): Promise<void> {
	await knex.schema.dropTable('screen_tokens');
}
