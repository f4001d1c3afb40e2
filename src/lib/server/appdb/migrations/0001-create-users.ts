/**
 * People (and big screens) who may sign in. Timestamps in every app table are ISO 8601 UTC strings
 * (`Date#toISOString()`): SQLite has no timestamp type and PostgreSQL would hand back `Date`
 * objects, so text is the one form that reads back the same from both; its fixed width keeps string
 * order equal to time order.
 */
import type { Knex } from 'knex';

// A migration is a frozen snapshot: the roles are written out here rather than imported, so a later
// change to the role list needs its own migration instead of silently rewriting this one.
const roles = ['admin', 'leader', 'planner', 'district_officer', 'screen'];

export async function up(knex: Knex): Promise<void> {
	await knex.schema.createTable('users', (table) => {
		table.increments('id');
		// As typed by the admin, for display; uniqueness is on the normalized column below.
		table.string('username', 32).notNullable();
		table
			.string('username_normalized', 32)
			.notNullable()
			.unique({ indexName: 'users_username_normalized_unique' });
		table.string('display_name', 100).notNullable();
		table.string('role', 32).notNullable();
		table.string('district_code', 6).nullable();
		// Null for accounts that never sign in with a password (screens use screen_tokens).
		table.string('password_hash', 255).nullable();
		table.string('disabled_at', 32).nullable();
		table.string('created_at', 32).notNullable();
		table.string('updated_at', 32).notNullable();

		table.check(`"role" in (${roles.map((role) => `'${role}'`).join(', ')})`, {}, 'users_role_check');
		// A district officer sees one district and below, so it must name one; every other role sees
		// all areas, and a stray district code there would wrongly suggest a narrower scope.
		table.check(
			`("role" = 'district_officer' and "district_code" is not null) or ("role" <> 'district_officer' and "district_code" is null)`,
			{},
			'users_district_code_for_district_officer'
		);
		// Digits-only needs a regex, which is not portable; the repository checks that part.
		table.check(
			`"district_code" is null or (length("district_code") = 6 and "district_code" like '3702%')`,
			{},
			'users_district_code_in_qingdao'
		);
	});
}

export async function down(knex: Knex): Promise<void> {
	await knex.schema.dropTable('users');
}
