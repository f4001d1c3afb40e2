/** DDL of the operational tables, for every engine, from the one description in schema.ts. */
import type { Knex } from 'knex';
import type { Table } from './schema';

/** Adds the table's columns to a knex create-table builder. */
export function defineColumns(builder: Knex.CreateTableBuilder, table: Table): void {
	for (const column of table.columns) {
		let col: Knex.ColumnBuilder;
		switch (column.type) {
			case 'id':
				// Ids are assigned by the generator (deterministic), not by the database.
				builder.integer(column.name).notNullable().primary();
				continue;
			case 'int':
				col = builder.integer(column.name);
				break;
			case 'decimal':
				col = builder.decimal(column.name, 14, 2);
				break;
			case 'string':
				col = builder.string(column.name, column.length ?? 255);
				break;
			case 'date':
				col = builder.date(column.name);
				break;
			case 'datetime':
				col = builder.datetime(column.name, { useTz: false });
				break;
			case 'bool':
				col = builder.boolean(column.name);
				break;
		}
		if (column.nullable) col.nullable();
		else col.notNullable();
	}
}

/** Index names derive from the final table name, so a rebuilt table gets the same ones. */
export function indexName(table: string, column: string): string {
	return `${table}_${column}_idx`;
}

export function indexedColumns(table: Table): string[] {
	return table.columns.filter((c) => c.indexed).map((c) => c.name);
}
