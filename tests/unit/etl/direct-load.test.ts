import { describe, expect, it } from 'vitest';
import { BLOCK_SIZING_ROWS, directLoadWriteSettings } from '../../../src/lib/server/etl/sqlite-direct';

const blockRows = (changed: number) =>
	Number(/min_insert_block_size_rows = (\d+)/.exec(directLoadWriteSettings(changed))![1]);

describe('directLoadWriteSettings', () => {
	it('writes a smaller table in four blocks, so that writing runs beside reading', () => {
		expect(blockRows(446_821)).toBe(111_706);
		expect(blockRows(3)).toBe(1);
		expect(blockRows(0)).toBe(1);
	});

	it('bounds a big table’s blocks by bytes only', () => {
		expect(blockRows(BLOCK_SIZING_ROWS)).toBe(0);
		expect(directLoadWriteSettings(BLOCK_SIZING_ROWS)).toContain(
			`min_insert_block_size_bytes = ${128 * 1024 * 1024}`
		);
	});
});
