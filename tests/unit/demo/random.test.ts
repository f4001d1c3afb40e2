import { describe, expect, it } from 'vitest';
import { apportion, createRandom, cumulativeWeights } from '../../../src/lib/server/demo/random';

describe('seeded randomness', () => {
	it('repeats a stream for the same seed and name, and differs between names', () => {
		const draw = (seed: number, stream: string) => {
			const random = createRandom(seed, stream);
			return Array.from({ length: 5 }, () => random.int(0, 1_000_000));
		};
		expect(draw(7, 'persons')).toEqual(draw(7, 'persons'));
		expect(draw(7, 'persons')).not.toEqual(draw(7, 'children'));
		expect(draw(7, 'persons')).not.toEqual(draw(8, 'persons'));
	});

	it('keeps draws inside their ranges', () => {
		const random = createRandom(1, 'ranges');
		for (let i = 0; i < 10_000; i++) {
			const u = random.next();
			expect(u >= 0 && u < 1).toBe(true);
			const n = random.int(-3, 3);
			expect(n >= -3 && n <= 3).toBe(true);
			expect(random.geometric(0.3)).toBeGreaterThanOrEqual(0);
		}
	});

	it('picks by weight', () => {
		const random = createRandom(1, 'weights');
		const cumulative = cumulativeWeights([1, 3]);
		let heavy = 0;
		for (let i = 0; i < 20_000; i++) if (random.pickWeighted(['a', 'b'], cumulative) === 'b') heavy++;
		expect(heavy / 20_000).toBeGreaterThan(0.72);
		expect(heavy / 20_000).toBeLessThan(0.78);
		expect(() => cumulativeWeights([0, 0])).toThrow();
	});

	it('apportions a total exactly, in proportion', () => {
		expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
		const parts = apportion(100_000, [5, 1, 7, 13, 2]);
		expect(parts.reduce((a, b) => a + b, 0)).toBe(100_000);
		expect(parts[3]).toBeGreaterThan(parts[2]!);
		expect(apportion(0, [1, 2])).toEqual([0, 0]);
	});
});
