/**
 * Issued reports (e.g. the monthly report as PDF and XLSX). A report is frozen once issued: the row
 * records the content hash and size of the file, and (kind, period, format) is unique, so a month
 * is issued once and later data never silently rewrites what was handed out.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
	await knex.schema.createTable('report_archive', (table) => {
		table.increments('id');
		// Kinds and formats are checked by the report code rather than a CHECK, because adding one
		// (a quarterly report, a new format) would otherwise mean rebuilding the table on SQLite.
		table.string('kind', 32).notNullable();
		table.string('period', 16).notNullable();
		table.string('title', 200).notNullable();
		// The warehouse data version the figures were read from, so a report can be traced back.
		table.string('data_version', 64).notNullable();
		// Null when the nightly pipeline issued it rather than a person.
		table.integer('created_by').nullable().references('id').inTable('users');
		table.string('created_at', 32).notNullable();
		table.string('format', 16).notNullable();
		table.string('content_sha256', 64).notNullable();
		// Relative to DATA_DIR, so the data directory can move without rewriting rows.
		table.string('file_path', 500).notNullable();
		table.integer('byte_size').notNullable();

		table.unique(['kind', 'period', 'format'], { indexName: 'report_archive_kind_period_format_unique' });
	});
}

export async function down(knex: Knex): Promise<void> {
	await knex.schema.dropTable('report_archive');
}
