/**
 * The only reader of the environment. Validates every variable once (zod), fills defaults that make
 * the embedded setup work with no variables at all, and freezes the result.
 *
 * Works in SvelteKit and in plain Node CLIs (tsx) alike, so it reads `process.env` directly rather
 * than `$env/dynamic/private`.
 */
import path from 'node:path';
import { z } from 'zod';

/** Thrown when a variable is missing or malformed; its message is one line a person can act on. */
export class ConfigError extends Error {
	override name = 'ConfigError';
}

const url = (protocols: string[]) =>
	z.string().refine(
		(value) => {
			try {
				return protocols.includes(new URL(value).protocol);
			} catch {
				return false;
			}
		},
		{ message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` }
	);

/** An operational database: a postgres:// or mysql:// URL, or a SQLite file path. */
const sourceUrl = z
	.string()
	.refine(
		(value) =>
			!/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /^(postgres|postgresql|mysql|mariadb):\/\//i.test(value),
		{
			message: 'must be a postgres:// or mysql:// URL, or a SQLite file path'
		}
	);

/** One entry per variable: its schema and an example shown when the value is wrong. */
const variables = {
	DATA_DIR: {
		schema: z.string().min(1, 'must not be empty').default('./data'),
		example: '/var/lib/cockpit'
	},
	CLICKHOUSE_URL: {
		schema: url(['http:', 'https:']).optional(),
		example: 'http://clickhouse.internal:8123'
	},
	CLICKHOUSE_USER: { schema: z.string().default('default'), example: 'cockpit' },
	CLICKHOUSE_PASSWORD: { schema: z.string().default(''), example: 's3cret' },
	CLICKHOUSE_CLUSTER: {
		schema: z
			.string()
			.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a ClickHouse cluster name (letters, digits, _)')
			.optional(),
		example: 'cockpit_cluster'
	},
	APP_DATABASE_URL: {
		schema: url(['postgres:', 'postgresql:']).optional(),
		example: 'postgres://cockpit@db.internal:5432/cockpit'
	},
	PSEUDONYM_KEY_FILE: {
		schema: z.string().min(1).optional(),
		example: '/etc/cockpit/pseudonym.key'
	},
	SOURCE_ASSISTANCE_URL: { schema: sourceUrl.optional(), example: 'postgres://etl@assist-db/assistance' },
	SOURCE_CHILDREN_URL: { schema: sourceUrl.optional(), example: 'mysql://etl@children-db/children' },
	SOURCE_ELDERLY_URL: { schema: sourceUrl.optional(), example: 'postgres://etl@elderly-db/elderly' },
	SOURCE_COMMUNITY_URL: { schema: sourceUrl.optional(), example: '/srv/data/community.sqlite' },
	SOURCE_CHARITY_URL: { schema: sourceUrl.optional(), example: 'mysql://etl@charity-db/charity' },
	PIPELINE_SCHEDULE: {
		schema: z
			.string()
			.refine((value) => value === 'off' || value.trim().split(/\s+/).length >= 5, {
				message: 'must be a cron expression of 5 or 6 fields, or off'
			})
			.default('0 2 * * *'),
		example: '0 2 * * *'
	},
	PORT: {
		schema: z.coerce.number().int().min(1).max(65535).default(3000),
		example: '3000'
	},
	LOG_LEVEL: {
		schema: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
		example: 'info'
	}
} as const;

type Variables = typeof variables;
type Raw = { [K in keyof Variables]: z.output<Variables[K]['schema']> };

export interface Config {
	/** Absolute directory holding every file the app writes (warehouse, app database, demo data). */
	dataDir: string;
	warehouse:
		| { mode: 'embedded'; path: string }
		| { mode: 'server'; url: string; user: string; password: string; cluster?: string };
	appDatabase: { client: 'better-sqlite3'; filename: string } | { client: 'pg'; url: string };
	/** Where `npm run demo:generate` writes the operational systems by default. */
	demoSourcePath: string;
	/** Each operational system's database; the demo database unless SOURCE_<SYSTEM>_URL says otherwise. */
	sources: Record<'assistance' | 'children' | 'elderly' | 'community' | 'charity', string>;
	/** The secret key for hashing ID numbers; created on first use with owner-only permissions. */
	pseudonymKeyFile: string;
	/** When the nightly pipeline runs (cron, Asia/Shanghai), or 'off'. */
	pipelineSchedule: string;
	/** The port the server listens on (adapter-node reads PORT too); the CLI uses it to reach the server. */
	port: number;
	logLevel: Raw['LOG_LEVEL'];
}

/** Shows a value in an error without leaking a secret. */
function describeValue(name: string, value: string | undefined): string {
	if (value === undefined) return 'is missing';
	if (/PASSWORD|SECRET|KEY$/.test(name)) return ' has a value that';
	// A URL may carry a password in its user part.
	return `="${value.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@')}"`;
}

/** Reads and validates `env`. Throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
	const raw: Record<string, unknown> = {};
	for (const [name, { schema, example }] of Object.entries(variables)) {
		const value = env[name] === '' ? undefined : env[name];
		const parsed = (schema as z.ZodType).safeParse(value);
		if (!parsed.success) {
			const problem = parsed.error.issues[0]?.message ?? 'is invalid';
			throw new ConfigError(
				`Configuration error: ${name}${describeValue(name, value)} ${problem}. Example: ${name}=${example}`
			);
		}
		raw[name] = parsed.data;
	}
	const values = raw as Raw;
	const dataDir = path.resolve(cwd, values.DATA_DIR);
	const config: Config = {
		dataDir,
		warehouse: values.CLICKHOUSE_URL
			? {
					mode: 'server',
					url: values.CLICKHOUSE_URL,
					user: values.CLICKHOUSE_USER,
					password: values.CLICKHOUSE_PASSWORD,
					cluster: values.CLICKHOUSE_CLUSTER
				}
			: { mode: 'embedded', path: path.join(dataDir, 'warehouse') },
		appDatabase: values.APP_DATABASE_URL
			? { client: 'pg', url: values.APP_DATABASE_URL }
			: { client: 'better-sqlite3', filename: path.join(dataDir, 'app.sqlite') },
		demoSourcePath: path.join(dataDir, 'operational.sqlite'),
		sources: {
			assistance: values.SOURCE_ASSISTANCE_URL ?? path.join(dataDir, 'operational.sqlite'),
			children: values.SOURCE_CHILDREN_URL ?? path.join(dataDir, 'operational.sqlite'),
			elderly: values.SOURCE_ELDERLY_URL ?? path.join(dataDir, 'operational.sqlite'),
			community: values.SOURCE_COMMUNITY_URL ?? path.join(dataDir, 'operational.sqlite'),
			charity: values.SOURCE_CHARITY_URL ?? path.join(dataDir, 'operational.sqlite')
		},
		pseudonymKeyFile: path.resolve(cwd, values.PSEUDONYM_KEY_FILE ?? path.join(dataDir, 'pseudonym.key')),
		pipelineSchedule: values.PIPELINE_SCHEDULE,
		port: values.PORT,
		logLevel: values.LOG_LEVEL
	};
	return deepFreeze(config);
}

function deepFreeze<T extends object>(value: T): T {
	for (const child of Object.values(value)) {
		if (child && typeof child === 'object') deepFreeze(child as object);
	}
	return Object.freeze(value);
}

let cached: Config | undefined;

/** The process-wide configuration, read on first use. */
export function getConfig(): Config {
	cached ??= loadConfig();
	return cached;
}
