import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
	// chdb is a native addon of ~550 MB: never bundle it, load it from node_modules at run time.
	ssr: { external: ['chdb', 'better-sqlite3'] },
	test: {
		projects: [
			{
				extends: true,
				test: {
					name: 'unit',
					include: ['tests/unit/**/*.test.ts'],
					environment: 'node'
				}
			},
			{
				extends: true,
				test: {
					name: 'integration',
					include: ['tests/integration/**/*.test.ts'],
					environment: 'node',
					// Each file gets its own process: the embedded engine binds one data directory per process.
					pool: 'forks',
					testTimeout: 120_000,
					hookTimeout: 300_000
				}
			}
		]
	}
});
