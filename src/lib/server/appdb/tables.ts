/**
 * Row shapes of the app database tables, as both engines return them (see migrations/). Timestamps
 * are ISO 8601 UTC strings.
 */

export const ROLES = ['admin', 'leader', 'planner', 'district_officer', 'screen'] as const;
export type Role = (typeof ROLES)[number];

export interface UserRow {
	id: number;
	username: string;
	username_normalized: string;
	display_name: string;
	role: Role;
	district_code: string | null;
	password_hash: string | null;
	disabled_at: string | null;
	created_at: string;
	updated_at: string;
}

export interface SessionRow {
	/** SHA-256 (hex) of the session token. */
	id: string;
	user_id: number;
	created_at: string;
	expires_at: string;
	last_seen_at: string;
	user_agent: string | null;
	ip: string | null;
}

export interface ScreenTokenRow {
	id: number;
	token_hash: string;
	label: string;
	created_by: number;
	created_at: string;
	revoked_at: string | null;
	last_used_at: string | null;
}

export interface AuditLogRow {
	id: number;
	at: string;
	user_id: number | null;
	action: string;
	target: string | null;
	/** JSON text. */
	detail: string | null;
	ip: string | null;
}

export interface ReportArchiveRow {
	id: number;
	kind: string;
	period: string;
	title: string;
	data_version: string;
	created_by: number | null;
	created_at: string;
	format: string;
	content_sha256: string;
	/** Relative to DATA_DIR. */
	file_path: string;
	byte_size: number;
}
