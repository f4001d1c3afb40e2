import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWarehouse, DataDirLockedError } from '$lib/server/warehouse';
import { acquireDataDirLock } from '$lib/server/warehouse/lock';

const fixtures = path.join(import.meta.dirname, 'fixtures');

let root: string;

beforeAll(async () => {
	root = await mkdtemp(path.join(os.tmpdir(), 'warehouse-lock-'));
});

afterAll(async () => {
	if (root) await rm(root, { recursive: true, force: true });
});

interface Exit {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** Runs a TypeScript fixture in a real second Node process. */
function runFixture(script: string, args: string[]): Promise<Exit> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['--import', 'tsx', path.join(fixtures, script), ...args], {
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk) => (stdout += chunk));
		child.stderr.on('data', (chunk) => (stderr += chunk));
		child.on('error', reject);
		child.on('close', (code) => resolve({ code, stdout, stderr }));
	});
}

interface Racer {
	child: ChildProcessByStdio<Writable, Readable, Readable>;
	/** Resolves when the racer has loaded and waits for "go". */
	ready: Promise<void>;
	/** 'won' once it holds the lock, or its exit when it lost. */
	outcome: Promise<'won' | { code: number | null }>;
	stderr(): string;
}

function startRacer(dir: string): Racer {
	const child = spawn(process.execPath, ['--import', 'tsx', path.join(fixtures, 'take-lock.ts'), dir], {
		stdio: ['pipe', 'pipe', 'pipe']
	});
	let stdout = '';
	let stderr = '';
	child.stderr.on('data', (chunk) => (stderr += chunk));
	// Registered first: listeners run in order, so the checks below see the chunk already appended.
	child.stdout.on('data', (chunk) => (stdout += chunk));
	const printed = (text: string) =>
		new Promise<void>((resolve) => {
			child.stdout.on('data', () => stdout.includes(text) && resolve());
		});
	const ready = printed('ready\n');
	const won = printed('won ');
	const exited = once(child, 'close').then(([code]) => ({ code: code as number | null }));
	return {
		child,
		ready: Promise.race([ready, exited.then(() => Promise.reject(new Error(`racer died: ${stderr}`)))]),
		outcome: Promise.race([won.then(() => 'won' as const), exited]),
		stderr: () => stderr
	};
}

/** The PID of a process that has just exited, so nobody answers to it. */
function getDeadPid(): Promise<number> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['-e', '']);
		child.on('error', reject);
		child.on('close', () => resolve(child.pid ?? 0));
	});
}

async function writeLock(dir: string, owner: object): Promise<void> {
	await mkdir(dir, { recursive: true });
	await writeFile(path.join(dir, 'owner.lock'), JSON.stringify(owner));
}

async function readLockPid(dir: string): Promise<number> {
	return JSON.parse(await readFile(path.join(dir, 'owner.lock'), 'utf8')).pid;
}

describe('data directory lock', () => {
	it('makes a second process exit with one line naming the owner', async () => {
		const dir = path.join(root, 'held');
		const wh = await createWarehouse({ mode: 'embedded', path: dir });
		try {
			const other = await runFixture('open-warehouse.ts', [dir]);
			expect(other.code).not.toBe(0);
			const lines = other.stderr.trim().split('\n');
			expect(lines).toHaveLength(1);
			expect(lines[0]).toMatch(
				new RegExp(
					`^The warehouse data directory ${dir} is in use by process ${process.pid} \\(.+, since .+\\)\\. ` +
						'Stop that process, or send work to it \\(e\\.g\\. through the running server\\), then try again\\.$'
				)
			);
		} finally {
			await wh.close();
		}
	});

	it('takes over a lock left by a dead process', async () => {
		const dir = path.join(root, 'stale');
		await writeLock(dir, {
			pid: await getDeadPid(),
			hostname: os.hostname(),
			startedAt: '2024-01-01T00:00:00.000Z',
			command: 'node crashed.js'
		});
		const wh = await createWarehouse({ mode: 'embedded', path: dir });
		expect(await readLockPid(dir)).toBe(process.pid);
		await wh.close();
		await expect(readFile(path.join(dir, 'owner.lock'))).rejects.toThrow(/ENOENT/);
	});

	it('takes over a garbage lock and one naming this PID from an earlier run', async () => {
		const garbage = path.join(root, 'garbage');
		await mkdir(garbage);
		await writeFile(path.join(garbage, 'owner.lock'), '{"pid":');
		// Written a minute ago: a fresh half-written lock is given a moment to settle first.
		const aMinuteAgo = new Date(Date.now() - 60_000);
		await utimes(path.join(garbage, 'owner.lock'), aMinuteAgo, aMinuteAgo);
		const first = await acquireDataDirLock(garbage);
		expect(await readLockPid(garbage)).toBe(process.pid);
		first.release();

		const reused = path.join(root, 'reused');
		await writeLock(reused, {
			pid: process.pid,
			hostname: os.hostname(),
			startedAt: '2024-01-01T00:00:00.000Z',
			command: 'node old.js'
		});
		const second = await acquireDataDirLock(reused);
		expect(second.owner.startedAt).not.toBe('2024-01-01T00:00:00.000Z');
		second.release();
	});

	it('treats a lock from another host as held', async () => {
		const dir = path.join(root, 'remote');
		await writeLock(dir, { pid: 1, hostname: 'elsewhere', startedAt: 'then', command: 'node app' });
		const err = await acquireDataDirLock(dir).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(DataDirLockedError);
		expect((err as Error).message).toContain('in use by process 1 on host elsewhere (node app, since then)');
	});

	it('leaves exactly one winner when several processes take over a stale lock at once', async () => {
		const dir = path.join(root, 'race');
		await writeLock(dir, {
			pid: await getDeadPid(),
			hostname: os.hostname(),
			startedAt: 'then',
			command: 'x'
		});
		const racers = Array.from({ length: 3 }, () => startRacer(dir));
		await Promise.all(racers.map((r) => r.ready));
		for (const racer of racers) racer.child.stdin.write('go\n');

		// Winners hold the lock until told to stop, so a late loser cannot win after a release.
		const outcomes = await Promise.all(racers.map((r) => r.outcome));
		const winners = racers.filter((_, i) => outcomes[i] === 'won');
		for (const winner of winners) winner.child.stdin.end();
		await Promise.all(winners.map((w) => once(w.child, 'close')));

		expect(winners).toHaveLength(1);
		const winnerPid = winners[0]?.child.pid;
		for (const [i, outcome] of outcomes.entries()) {
			if (outcome === 'won') continue;
			expect(outcome.code, racers[i]?.stderr()).toBe(2);
			expect(racers[i]?.stderr()).toContain(`in use by process ${winnerPid} `);
		}
		await expect(readFile(path.join(dir, 'owner.lock'))).rejects.toThrow(/ENOENT/);
	});
});
