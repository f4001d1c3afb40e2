/**
 * How the command line reaches a running server: the server writes DATA_DIR/server.json (owner-only)
 * with its PID, port and a random token; `npm run pipeline` reads it and asks the server to run the
 * pipeline, since the embedded warehouse can have only one owner process.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface ServerControl {
	pid: number;
	port: number;
	token: string;
}

export function controlFile(dataDir: string): string {
	return path.join(dataDir, 'server.json');
}

export function writeControl(dataDir: string, port: number): ServerControl {
	const control = { pid: process.pid, port, token: randomBytes(24).toString('hex') };
	fs.mkdirSync(dataDir, { recursive: true });
	const file = controlFile(dataDir);
	fs.writeFileSync(`${file}.tmp`, JSON.stringify(control), { mode: 0o600 });
	fs.renameSync(`${file}.tmp`, file);
	return control;
}

export function readControl(dataDir: string): ServerControl | undefined {
	try {
		return JSON.parse(fs.readFileSync(controlFile(dataDir), 'utf8')) as ServerControl;
	} catch {
		return undefined;
	}
}

/** Constant-time comparison of a presented bearer token with the server's. */
export function isControlToken(expected: string, authorization: string | null): boolean {
	const presented = authorization?.replace(/^Bearer\s+/i, '') ?? '';
	const a = Buffer.from(presented);
	const b = Buffer.from(expected);
	return a.length === b.length && timingSafeEqual(a, b);
}
