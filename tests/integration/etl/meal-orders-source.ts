/**
 * A meal-orders table shaped as the demo's (its updated_at index too), in a SQLite file of its own: one
 * elder, facility and township, every order a lunch on 1 May, changed at 11:30 that day.
 */
import Database from 'better-sqlite3';
import { loadAreas } from '../../../src/lib/server/areas/areas';

export interface MealOrder {
	orderNo: string;
	/** What SQLite holds in the REAL column: a number, or text a program wrote there. */
	amount: number | string;
}

/** Writes orders 1..rows to `file`; `order(id)` gives each one's number and amount. */
export function writeMealOrders(file: string, rows: number, order: (id: number) => MealOrder): void {
	const db = new Database(file);
	const township = loadAreas().townships[0]!.code;
	db.exec(`CREATE TABLE meal_orders (id integer not null primary key, order_no varchar(20) not null,
		elder_id integer not null, facility_id integer not null, township_code varchar(9) not null,
		ordered_on date not null, meal varchar(8) not null, amount float not null, subsidy float not null,
		updated_at datetime not null)`);
	db.exec('CREATE INDEX meal_orders_updated_at ON meal_orders (updated_at)');
	const insert = db.prepare(`INSERT INTO meal_orders VALUES (?, ?, 1, 1, ?, '2026-05-01', '午餐', ?, 3, ?)`);
	db.transaction(() => {
		for (let id = 1; id <= rows; id++) {
			const { orderNo, amount } = order(id);
			insert.run(id, orderNo, township, amount, '2026-05-01 11:30:00');
		}
	})();
	db.close();
}
