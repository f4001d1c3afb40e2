/**
 * Seeded randomness for the demo generator. Every table draws from its own stream, derived from the
 * run's seed and the stream's name, so adding rows to one table never shifts the values of another
 * and the same seed gives the same databases on every engine.
 */
import { createHash } from 'node:crypto';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

export interface Random {
	/** Uniform float in [0, 1). */
	next(): number;
	/** Uniform integer in [min, max], both included. */
	int(min: number, max: number): number;
	/** True with probability p. */
	chance(p: number): boolean;
	pick<T>(items: readonly T[]): T;
	/** Picks by weight; `cumulative` comes from `cumulativeWeights`. */
	pickWeighted<T>(items: readonly T[], cumulative: Float64Array): T;
	/** Normal draw (Box–Muller). */
	normal(mean: number, sd: number): number;
	/** Number of failures before the first success of a Bernoulli(p) process (p in (0, 1]). */
	geometric(p: number): number;
	/** Shuffles in place (Fisher–Yates) and returns the array. */
	shuffle<T>(items: T[]): T[];
}

/** A 32-bit seed from the run seed and a stream name (SHA-256, so near names give unrelated streams). */
export function deriveSeed(seed: number, stream: string): number {
	return createHash('sha256').update(`${seed}:${stream}`).digest().readInt32LE(0);
}

export function createRandom(seed: number, stream: string): Random {
	const rng = xoroshiro128plus(deriveSeed(seed, stream));
	// 2^31 buckets: a float with 31 random bits is plenty for sampling and far cheaper than 53.
	const next = () => uniformInt(rng, 0, 0x7fffffff) / 0x80000000;
	const random: Random = {
		next,
		int: (min, max) => uniformInt(rng, min, max),
		chance: (p) => next() < p,
		pick: (items) => items[Math.floor(next() * items.length)]!,
		pickWeighted: (items, cumulative) => items[searchCumulative(cumulative, next())]!,
		normal: (mean, sd) => {
			const u = 1 - next();
			const v = next();
			return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
		},
		geometric: (p) => (p >= 1 ? 0 : Math.floor(Math.log(1 - next()) / Math.log(1 - p))),
		shuffle: (items) => {
			for (let i = items.length - 1; i > 0; i--) {
				const j = Math.floor(next() * (i + 1));
				[items[i], items[j]] = [items[j]!, items[i]!];
			}
			return items;
		}
	};
	return random;
}

/** Normalised running sums of `weights`, for `pickWeighted`. */
export function cumulativeWeights(weights: readonly number[]): Float64Array {
	const total = weights.reduce((a, b) => a + b, 0);
	if (!(total > 0)) throw new Error('cumulativeWeights: weights must add up to more than 0');
	const out = new Float64Array(weights.length);
	let running = 0;
	weights.forEach((w, i) => {
		running += w;
		out[i] = running / total;
	});
	out[out.length - 1] = 1;
	return out;
}

function searchCumulative(cumulative: Float64Array, u: number): number {
	let lo = 0;
	let hi = cumulative.length - 1;
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if (cumulative[mid]! > u) hi = mid;
		else lo = mid + 1;
	}
	return lo;
}

/**
 * Splits `total` into `weights.length` non-negative integers that add up to exactly `total`, in
 * proportion to the weights (largest remainder method). Used wherever a calibrated figure must come
 * out exact after being spread over areas or periods.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
	const sum = weights.reduce((a, b) => a + b, 0);
	if (sum <= 0) throw new Error('apportion: weights must add up to more than 0');
	const exact = weights.map((w) => (total * w) / sum);
	const parts = exact.map(Math.floor);
	let left = total - parts.reduce((a, b) => a + b, 0);
	const byRemainder = exact
		.map((x, i) => [x - Math.floor(x), i] as const)
		.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
	for (const [, i] of byRemainder) {
		if (left-- <= 0) break;
		parts[i]! += 1;
	}
	return parts;
}
