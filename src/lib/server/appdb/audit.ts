/** The audit log: who signed in, failed to, exported or administered what, and when. Append-only. */
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AuditLogRow } from './tables';

export interface AuditEntry {
	id: number;
	at: string;
	userId: number | null;
	/** Dotted lowercase words: 'login', 'login_failed', 'export', 'admin.user_create'. */
	action: string;
	target: string | null;
	/** Parsed back from its JSON text; null when none was recorded. */
	detail: unknown;
	ip: string | null;
}

export interface NewAuditEntry {
	action: string;
	userId?: number | null;
	target?: string | null;
	/** Any JSON-serialisable value. */
	detail?: unknown;
	ip?: string | null;
	/** Defaults to now. */
	at?: Date;
}

const newEntrySchema = z.object({
	action: z
		.string()
		.max(64, 'must be at most 64 characters')
		.regex(
			/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/,
			"must be dotted lowercase words, e.g. 'admin.user_create'"
		),
	userId: z.number().int().positive().nullish(),
	// Longer targets are cut rather than refused: losing an audit entry is worse than shortening it.
	target: z
		.string()
		.transform((value) => value.slice(0, 255))
		.nullish(),
	ip: z.string().max(45, 'must be an IP address').nullish(),
	at: z.date().optional()
});

const listSchema = z.object({
	limit: z.number().int().min(1).max(1000),
	action: z.string().optional()
});

function toJsonText(detail: unknown): string | null {
	if (detail === undefined || detail === null) return null;
	try {
		return JSON.stringify(detail);
	} catch (error) {
		throw new Error(`Audit detail must be JSON-serialisable: ${(error as Error).message}`, { cause: error });
	}
}

/** Appends one entry and returns its id. Pass a transaction to record it together with the change itself. */
export async function recordAudit(db: Knex, entry: NewAuditEntry): Promise<number> {
	const parsed = newEntrySchema.safeParse(entry);
	if (!parsed.success) {
		const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
		throw new Error(`Invalid audit entry: ${problems.join('; ')}.`);
	}
	const { action, userId, target, ip, at } = parsed.data;
	const [row]: Pick<AuditLogRow, 'id'>[] = await db('audit_log')
		.insert({
			at: (at ?? new Date()).toISOString(),
			user_id: userId ?? null,
			action,
			target: target ?? null,
			detail: toJsonText(entry.detail),
			ip: ip ?? null
		})
		.returning('id');
	return Number(row!.id);
}

/** The newest entries first, optionally of one action. */
export async function listAudit(
	db: Knex,
	options: { limit: number; action?: string }
): Promise<AuditEntry[]> {
	const { limit, action } = listSchema.parse(options);
	const query = db('audit_log')
		.select('*')
		.orderBy([
			{ column: 'at', order: 'desc' },
			{ column: 'id', order: 'desc' }
		]);
	if (action !== undefined) query.where('action', action);
	const rows: AuditLogRow[] = await query.limit(limit);
	return rows.map((row) => ({
		id: Number(row.id),
		at: row.at,
		userId: row.user_id === null ? null : Number(row.user_id),
		action: row.action,
		target: row.target,
		detail: row.detail === null ? null : JSON.parse(row.detail),
		ip: row.ip
	}));
}
