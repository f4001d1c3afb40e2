/**
 * The generator's command line as a person meets it: bad input gets one clear line and a non-zero
 * exit with nothing written, and a run killed half-way leaves the previous data as it was.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checksumAll } from '../../../src/lib/server/demo/checksum';
import { generateDemo } from '../../../src/lib/server/demo/generate';
import { openSourceDatabase, parseSourceLocation } from '../../../src/lib/server/sources/connection';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function runScript(script: string, args: string[]) {
	const result = spawnSync(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], {
		encoding: 'utf8',
		env: { ...process.env, DATA_DIR: dir }
	});
	return { status: result.status, stderr: result.stderr.trim(), stdout: result.stdout.trim() };
}

async function checksumsOf(file: string) {
	const db = openSourceDatabase(parseSourceLocation(file));
	try {
		return await checksumAll(db);
	} finally {
		await db.destroy();
	}
}

describe('demo:generate rejects bad input with one line and writes nothing', () => {
	const target = path.join(dir, 'rejected.sqlite');
	it.each([
		[['--scale', '0'], /--scale must be between/],
		[['--scale', 'lots'], /--scale must be a number/],
		[['--as-of', '2999-01-01'], /--as-of 2999-01-01 is in the future/],
		[['--as-of', '2026-02-30'], /--as-of must be a date like/],
		[['--seed', '1.5'], /--seed must be a whole number/],
		[['--colour', 'red'], /Unknown option '--colour'/],
		[['--target', 'oracle://db/ops'], /Unsupported database URL scheme "oracle:\/\/"/]
	])('%j', (args, message) => {
		const { status, stderr } = runScript('demo-generate', ['--scale', '0.001', '--target', target, ...args]);
		expect(status).toBe(1);
		expect(stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
		expect(stderr).toMatch(message);
		expect(fs.existsSync(target)).toBe(false);
	});

	it('names an unwritable target directory', () => {
		const file = path.join(dir, 'a-file');
		fs.writeFileSync(file, 'not a directory');
		const { status, stderr } = runScript('demo-generate', [
			'--scale',
			'0.001',
			'--target',
			path.join(file, 'ops.sqlite')
		]);
		expect(status).toBe(1);
		expect(stderr).toMatch(/^error: Cannot write to .*a-file.*Choose a writable --target or DATA_DIR/m);
	});
});

describe('demo:tick', () => {
	it('says when there is no demo data to tick', () => {
		const empty = path.join(dir, 'empty.sqlite');
		const { status, stderr } = runScript('demo-tick', ['--target', empty]);
		expect(status).toBe(1);
		expect(stderr).toMatch(/does not exist. Run `npm run demo:generate`/);
	});
});

describe('a generation killed half-way', () => {
	it('leaves the previous data intact, and the next run clears its leftovers', async () => {
		const target = path.join(dir, 'operational.sqlite');
		await generateDemo({ seed: 1, scale: 0.001, asOf: '2026-06-30', target, progress: 'quiet' });
		const before = await checksumsOf(target);

		// A bigger run into the same target, killed once it is well under way.
		const child = spawn(
			process.execPath,
			[
				'--import',
				'tsx',
				'scripts/demo-generate.ts',
				'--scale',
				'0.2',
				'--seed',
				'9',
				'--as-of',
				'2026-06-30',
				'--target',
				target,
				'--quiet'
			],
			{ stdio: 'ignore' }
		);
		const temporary = `${target}.tmp-${child.pid}`;
		await waitFor(() => fs.existsSync(temporary) && fs.statSync(temporary).size > 5_000_000, 60_000);
		child.kill('SIGKILL');
		await new Promise((resolve) => child.once('exit', resolve));

		expect(await checksumsOf(target)).toEqual(before);
		expect(fs.existsSync(temporary)).toBe(true);

		await generateDemo({ seed: 1, scale: 0.001, asOf: '2026-06-30', target, progress: 'quiet' });
		expect(fs.existsSync(temporary)).toBe(false);
		expect(await checksumsOf(target)).toEqual(before);
	});
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error('timed out waiting for the generator to get under way');
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}
