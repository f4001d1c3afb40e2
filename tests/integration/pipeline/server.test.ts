/**
 * The pipeline through a running server: the built app owns the embedded warehouse, and
 * `npm run pipeline` finds it through DATA_DIR/server.json, asks it to run the night and streams its
 * progress. Without the control token the server refuses.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateDemo } from '../../../src/lib/server/demo/generate';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-server-'));
const port = 40_000 + (process.pid % 20_000);
const env = { ...process.env, DATA_DIR: dataDir, PORT: String(port), PIPELINE_SCHEDULE: 'off' };
let server: ChildProcess;

beforeAll(async () => {
	const build = spawnSync('npx', ['vite', 'build'], { encoding: 'utf8' });
	expect(build.status, build.stderr).toBe(0);
	await generateDemo({
		seed: 2,
		scale: 0.001,
		asOf: '2026-06-30',
		target: path.join(dataDir, 'operational.sqlite'),
		progress: 'quiet'
	});
	server = spawn(process.execPath, ['build/index.js'], { env, stdio: 'ignore' });
	const deadline = Date.now() + 30_000;
	for (;;) {
		const health = await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => undefined);
		if (health?.ok) break;
		if (Date.now() > deadline) throw new Error('the server did not come up');
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
});

afterAll(() => {
	server?.kill('SIGTERM');
	fs.rmSync(dataDir, { recursive: true, force: true });
});

it('runs the night through the server that owns the warehouse', () => {
	const control = JSON.parse(fs.readFileSync(path.join(dataDir, 'server.json'), 'utf8'));
	expect(control).toMatchObject({ pid: server.pid, port });
	expect(fs.statSync(path.join(dataDir, 'server.json')).mode & 0o777).toBe(0o600);
	const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/pipeline.ts'], {
		encoding: 'utf8',
		env
	});
	expect(run.status, run.stderr).toBe(0);
	expect(run.stdout).toMatch(new RegExp(`The server \\(PID ${server.pid}\\) owns the warehouse`));
	expect(run.stdout).toMatch(/Pipeline run-\S+: success\. Published data version 1\./);
});

it('refuses a run without the control token', async () => {
	const response = await fetch(`http://127.0.0.1:${port}/api/pipeline/run`, { method: 'POST' });
	expect(response.status).toBe(401);
});
