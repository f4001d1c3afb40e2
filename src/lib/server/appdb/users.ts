/**
 * The users repository: create, find, list and disable accounts. Passwords arrive already hashed
 * (hashing belongs to auth/); rows leave as `User`, which never carries the hash.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { isUniqueViolation } from './driver-errors';
import { ROLES, type Role, type UserRow } from './tables';

export interface User {
	id: number;
	username: string;
	displayName: string;
	role: Role;
	/** Set for (and only for) a district officer: the one district they see. */
	districtCode: string | null;
	disabledAt: string | null;
	createdAt: string;
	updatedAt: string;
}

export interface NewUser {
	username: string;
	/** Defaults to the username. */
	displayName?: string;
	role: Role;
	districtCode?: string | null;
	passwordHash?: string | null;
}

/** A user could not be created or found; `code` says which, the message is one line for a person. */
export class UserError extends Error {
	override name = 'UserError';
	constructor(
		readonly code: 'invalid' | 'duplicate' | 'not_found',
		message: string
	) {
		super(message);
	}
}

// Both cases are accepted (the stored key is lowercase), spelled out rather than with the `i` flag,
// whose Unicode case folding would let non-ASCII look-alikes in. \p{Script=Han} covers the
// Chinese characters people use as account names, including the rarer extension blocks.
const USERNAME_PATTERN = /^[A-Za-z0-9_.\-\p{Script=Han}]{3,32}$/u;
const USERNAME_RULE = '3–32 characters: letters a–z, digits, "_", ".", "-" or Chinese characters';

const usernameSchema = z
	.string()
	// NFKC folds full-width letters and digits (common from Chinese input methods) to ASCII.
	.transform((value) => value.normalize('NFKC').trim())
	.pipe(z.string().regex(USERNAME_PATTERN, `must be ${USERNAME_RULE}`));

const newUserSchema = z
	.object({
		username: usernameSchema,
		displayName: z
			.string()
			.trim()
			.min(1, 'must not be empty')
			.max(100, 'must be at most 100 characters')
			.optional(),
		role: z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` }),
		districtCode: z
			.string()
			.trim()
			.regex(/^3702\d{2}$/, 'must be a 6-digit Qingdao district code starting 3702, e.g. 370202')
			.refine((code) => code !== '370200', 'must name a district, not the whole city (370200)')
			.nullish(),
		passwordHash: z.string().min(1, 'must not be empty').nullish()
	})
	.superRefine((user, context) => {
		if (user.role === 'district_officer' && !user.districtCode) {
			context.addIssue({
				code: 'custom',
				path: ['districtCode'],
				message: 'is required for a district officer (6 digits starting 3702, e.g. 370202)'
			});
		}
		if (user.role !== 'district_officer' && user.districtCode) {
			context.addIssue({
				code: 'custom',
				path: ['districtCode'],
				message: `must be empty for role ${user.role}, which sees all areas`
			});
		}
	});

/** The case-insensitive key of a username. */
function normalizeUsername(username: string): string {
	return username.normalize('NFKC').trim().toLowerCase();
}

function toUser(row: UserRow): User {
	return {
		id: Number(row.id),
		username: row.username,
		displayName: row.display_name,
		role: row.role,
		districtCode: row.district_code,
		disabledAt: row.disabled_at,
		createdAt: row.created_at,
		updatedAt: row.updated_at
	};
}

const USER_COLUMNS = [
	'id',
	'username',
	'username_normalized',
	'display_name',
	'role',
	'district_code',
	'disabled_at',
	'created_at',
	'updated_at'
] as const;

/** Creates a user. Throws UserError 'invalid' for bad input and 'duplicate' for a taken username. */
export async function createUser(db: Knex, input: NewUser, now = new Date()): Promise<User> {
	const parsed = newUserSchema.safeParse(input);
	if (!parsed.success) {
		const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'user'} ${issue.message}`);
		throw new UserError('invalid', `Invalid user: ${problems.join('; ')}.`);
	}
	const user = parsed.data;
	const at = now.toISOString();
	try {
		const [row]: UserRow[] = await db('users')
			.insert({
				username: user.username,
				username_normalized: normalizeUsername(user.username),
				display_name: user.displayName ?? user.username,
				role: user.role,
				district_code: user.districtCode ?? null,
				password_hash: user.passwordHash ?? null,
				disabled_at: null,
				created_at: at,
				updated_at: at
			})
			.returning(USER_COLUMNS);
		return toUser(row!);
	} catch (error) {
		// Checked by the unique index rather than a prior select, so two admins racing cannot both win.
		if (isUniqueViolation(error)) {
			throw new UserError(
				'duplicate',
				`The username "${user.username}" is already taken (usernames are not case-sensitive).`
			);
		}
		throw error;
	}
}

/** Finds a user by username, ignoring case; disabled users are returned too (check `disabledAt`). */
export async function findUserByUsername(db: Knex, username: string): Promise<User | undefined> {
	const row: UserRow | undefined = await db('users')
		.select(USER_COLUMNS)
		.where('username_normalized', normalizeUsername(username))
		.first();
	return row ? toUser(row) : undefined;
}

/** Every user, ordered by username. */
export async function listUsers(db: Knex, { includeDisabled = true } = {}): Promise<User[]> {
	const query = db('users').select(USER_COLUMNS).orderBy('username_normalized');
	if (!includeDisabled) query.whereNull('disabled_at');
	const rows: UserRow[] = await query;
	return rows.map(toUser);
}

/**
 * Disables a user and ends their sessions at once, so a disabled account is signed out everywhere.
 * Disabling twice keeps the first time. Throws UserError 'not_found' for an unknown id.
 */
export async function disableUser(db: Knex, userId: number, now = new Date()): Promise<User> {
	const at = now.toISOString();
	return db.transaction(async (trx) => {
		const updated = await trx('users')
			.where({ id: userId })
			.update({ disabled_at: trx.raw('coalesce(??, ?)', ['disabled_at', at]), updated_at: at });
		if (updated === 0) throw new UserError('not_found', `No user with id ${userId}.`);
		await trx('sessions').where({ user_id: userId }).delete();
		const row: UserRow = await trx('users').select(USER_COLUMNS).where({ id: userId }).first();
		return toUser(row);
	});
}
