/** The canteen fixture project, and throwaway copies of it: tests never write into tests/fixtures. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const FIXTURE = path.resolve('tests/fixtures/canteen');

export function copyFixture(): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'canteen-'));
	fs.cpSync(FIXTURE, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}target`) });
	return dir;
}
