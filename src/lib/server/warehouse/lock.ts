/**
 * One process owns the embedded data directory. The engine itself refuses a second opener (it flocks
 * `<dir>/status`) but only with "Failed to create connection" and a stderr line; this lock comes first
 * and says who the owner is and what to do.
 *
 * `<dir>/owner.lock` holds the owner as JSON. A lock whose process is gone is taken over, under a
 * short-lived `owner.lock.takeover` guard so that two takers of one stale lock cannot both win.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WarehouseError } from './errors';
import { isProcessAlive } from '../process-alive';

export interface DataDirOwner {
	pid: number;
	hostname: string;
	/** ISO time the lock was taken. */
	startedAt: string;
	command: string;
	/** Tells apart two locks taken by one process within the same millisecond. */
	token: string;
}

export interface DataDirLock {
	readonly dir: string;
	readonly owner: DataDirOwner;
	/** Removes the lock file if it still names this owner. Safe to call twice. */
	release(): void;
}

export class DataDirLockedError extends WarehouseError {
	override name = 'DataDirLockedError';
	readonly dir: string;
	readonly owner: DataDirOwner;

	constructor(dir: string, owner: DataDirOwner) {
		const host = owner.hostname === os.hostname() ? '' : ` on host ${owner.hostname}`;
		super(
			`The warehouse data directory ${dir} is in use by process ${owner.pid}${host} ` +
				`(${owner.command}, since ${owner.startedAt}). Stop that process, or send work to it ` +
				`(e.g. through the running server), then try again.`
		);
		this.dir = dir;
		this.owner = owner;
	}
}

const LOCK_FILE = 'owner.lock';
const ATTEMPTS = 200;
const RETRY_DELAY_MS = 10;
/** Files younger than this may still be being written; their content is not judged yet. */
const SETTLE_MS = 1_000;
/** A takeover guard left by a taker that died mid-takeover (it lives for milliseconds otherwise). */
const STALE_GUARD_MS = 10_000;

/** Locks taken by this process, so a lock naming our own PID is told apart from one left by a reused PID. */
const heldLocks = new Set<string>();

/** Creates `dir` if needed and makes this process its owner, or throws DataDirLockedError. */
export async function acquireDataDirLock(dir: string): Promise<DataDirLock> {
	const lockPath = path.join(dir, LOCK_FILE);
	const me = describeThisProcess();
	const content = `${JSON.stringify(me)}\n`;
	await createWritableDir(dir);

	for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
		if (await tryCreateLock(lockPath, content, dir)) return holdLock(lockPath, me);
		const seen = await readText(lockPath);
		if (seen === undefined) continue; // released in between: create it again
		const owner = parseOwner(seen);
		if (owner && isLockOwnerAlive(lockPath, owner)) throw new DataDirLockedError(dir, owner);
		// Garbage younger than a moment may be a lock still being written by a filesystem without link().
		const isSettled = owner !== undefined || (await getAgeMs(lockPath)) > SETTLE_MS;
		if (isSettled && (await takeOverStaleLock(lockPath, seen, content, me))) return holdLock(lockPath, me);
		// Another process is taking over or just did: look again after it finishes.
		await sleep(RETRY_DELAY_MS);
	}
	throw new WarehouseError(
		`The warehouse data directory ${dir} could not be locked: ${LOCK_FILE} kept changing for ` +
			`${(ATTEMPTS * RETRY_DELAY_MS) / 1000} s. Check which processes are opening it, then try again.`
	);
}

async function createWritableDir(dir: string): Promise<void> {
	try {
		await mkdir(dir, { recursive: true });
	} catch (err) {
		throw describeUnwritable(dir, err);
	}
}

/**
 * Atomically creates the lock file with its content; false when one exists already. The content is
 * written to a private file first and hard-linked into place, because `open(wx)` followed by a write
 * lets another opener read an empty file in between and take it for garbage.
 */
async function tryCreateLock(lockPath: string, content: string, dir: string): Promise<boolean> {
	const tempPath = `${lockPath}.${process.pid}.${randomUUID()}.tmp`;
	try {
		await writeFile(tempPath, content, { flag: 'wx' });
		await link(tempPath, lockPath);
		return true;
	} catch (err) {
		const code = (err as NodeJS.ErrnoException).code;
		if (code === 'EEXIST') return false;
		// Some filesystems (FAT, a few network mounts) have no hard links.
		if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') {
			return tryCreateLockWithoutLink(lockPath, content, dir);
		}
		throw describeUnwritable(dir, err);
	} finally {
		await unlink(tempPath).catch(() => {});
	}
}

async function tryCreateLockWithoutLink(lockPath: string, content: string, dir: string): Promise<boolean> {
	try {
		await writeFile(lockPath, content, { flag: 'wx' });
		return true;
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
		throw describeUnwritable(dir, err);
	}
}

/**
 * Replaces the stale lock `seen` with ours: under the guard, check the lock is still the one judged
 * stale, write ours beside it and rename it over (readers never see half a file), then re-read to
 * confirm. False when another taker holds the guard or won first.
 */
async function takeOverStaleLock(
	lockPath: string,
	seen: string,
	content: string,
	me: DataDirOwner
): Promise<boolean> {
	const guardPath = `${lockPath}.takeover`;
	try {
		await writeFile(guardPath, content, { flag: 'wx' });
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
			throw describeUnwritable(path.dirname(lockPath), err);
		await removeAbandonedGuard(guardPath);
		return false;
	}
	try {
		if ((await readText(lockPath)) !== seen) return false;
		const tempPath = `${lockPath}.${process.pid}.${randomUUID()}.tmp`;
		await writeFile(tempPath, content);
		await rename(tempPath, lockPath);
		const now = parseOwner((await readText(lockPath)) ?? '');
		return now !== undefined && isSameOwner(now, me);
	} finally {
		await unlink(guardPath).catch(() => {});
	}
}

/**
 * A guard whose taker died would block every takeover forever. It lives for milliseconds, so one that
 * has settled and names a dead process, or is simply old, is removed.
 */
async function removeAbandonedGuard(guardPath: string): Promise<void> {
	const age = await getAgeMs(guardPath);
	if (age <= SETTLE_MS) return;
	const taker = parseOwner((await readText(guardPath)) ?? '');
	const isTakerAlive = taker !== undefined && isOwnerAlive(taker);
	if (!isTakerAlive || age > STALE_GUARD_MS) await unlink(guardPath).catch(() => {});
}

function holdLock(lockPath: string, me: DataDirOwner): DataDirLock {
	const key = describeLockKey(lockPath, me);
	heldLocks.add(key);
	let released = false;
	const release = () => {
		if (released) return;
		released = true;
		heldLocks.delete(key);
		process.off('exit', release);
		try {
			const current = parseOwner(readFileSync(lockPath, 'utf8'));
			if (current && isSameOwner(current, me)) unlinkSync(lockPath);
		} catch {
			// Best effort: a lock left behind names a dead process and is taken over next time.
		}
	};
	// 'exit' covers normal ends and process.exit(); a kill -9 leaves the file, which the next opener takes over.
	process.on('exit', release);
	return { dir: path.dirname(lockPath), owner: me, release };
}

/**
 * A lock naming our own PID that this process did not take was left by an earlier run that had the
 * same PID (common in containers, where it is often 1).
 */
function isLockOwnerAlive(lockPath: string, owner: DataDirOwner): boolean {
	if (owner.pid === process.pid && owner.hostname === os.hostname()) {
		return heldLocks.has(describeLockKey(lockPath, owner));
	}
	return isOwnerAlive(owner);
}

/**
 * Alive means: the PID answers (see isProcessAlive). A process on another
 * host cannot be checked, so it counts as alive.
 */
function isOwnerAlive(owner: DataDirOwner): boolean {
	return owner.hostname !== os.hostname() || isProcessAlive(owner.pid);
}

function parseOwner(text: string): DataDirOwner | undefined {
	try {
		const value = JSON.parse(text) as Partial<DataDirOwner>;
		if (!Number.isInteger(value.pid) || (value.pid as number) <= 0) return undefined;
		return {
			pid: value.pid as number,
			hostname: String(value.hostname ?? ''),
			startedAt: String(value.startedAt ?? 'an unknown time'),
			command: String(value.command ?? 'unknown command'),
			token: String(value.token ?? '')
		};
	} catch {
		return undefined;
	}
}

function describeThisProcess(): DataDirOwner {
	const [runtime = 'node', ...args] = process.argv;
	const command = [path.basename(runtime), ...args].join(' ');
	return {
		pid: process.pid,
		hostname: os.hostname(),
		startedAt: new Date().toISOString(),
		command: command.length > 200 ? `${command.slice(0, 199)}…` : command,
		token: randomUUID()
	};
}

function isSameOwner(a: DataDirOwner, b: DataDirOwner): boolean {
	return a.pid === b.pid && a.hostname === b.hostname && a.token === b.token;
}

function describeLockKey(lockPath: string, owner: DataDirOwner): string {
	return `${lockPath}\0${owner.pid}\0${owner.token}`;
}

async function getAgeMs(file: string): Promise<number> {
	try {
		return Date.now() - (await stat(file)).mtimeMs;
	} catch {
		return 0;
	}
}

async function readText(file: string): Promise<string | undefined> {
	try {
		return await readFile(file, 'utf8');
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		// Unreadable counts as garbage: an empty text parses to no owner and is taken over.
		return '';
	}
}

function describeUnwritable(dir: string, err: unknown): WarehouseError {
	const reason = err instanceof Error ? err.message : String(err);
	return new WarehouseError(
		`DATA_DIR ${dir} is not writable: ${reason}. Set DATA_DIR to a writable directory.`,
		{ cause: err }
	);
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
