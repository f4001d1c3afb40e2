/**
 * Jinja for the project, through nunjucks in its Jinja-compatible mode (no home-made template
 * engine). dbt's context — ref, source, config, var, env_var, is_incremental, this, doc, target — is
 * installed as globals that delegate to the node being rendered, so project macros (registered as
 * globals too) can call them just like the model itself.
 */
import nunjucks from 'nunjucks';
import { ProjectError } from './errors';
import type { MacroFile } from './project';

nunjucks.installJinjaCompat();

/** What a render of one node asks of the compiler. */
export interface RenderHooks {
	ref(name: string): string;
	source(source: string, table: string): string;
	config(values: Record<string, unknown>): void;
	isIncremental(): boolean;
	/** The node's own relation, rendered (`{{ this }}`). */
	self?: string;
}

export interface RenderContext {
	vars: Record<string, unknown>;
	docs: Map<string, string>;
	target: { name: string; schema: string; type: string };
	invocationId: string;
}

/** nunjucks passes keyword arguments as a trailing object marked `__keywords`. */
function splitKeywords(args: unknown[]): [unknown[], Record<string, unknown>] {
	const last = args[args.length - 1] as Record<string, unknown> | undefined;
	if (last && typeof last === 'object' && last.__keywords) {
		const { __keywords: _marker, ...keywords } = last;
		return [args.slice(0, -1), keywords];
	}
	return [args, {}];
}

export class JinjaRenderer {
	private readonly env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false });
	private hooks: RenderHooks | undefined;
	private file = '';
	private readonly macroNames = new Set<string>();

	constructor(
		private readonly context: RenderContext,
		macros: MacroFile[]
	) {
		const current = () => {
			if (!this.hooks) throw new Error('ref/source/config are only available while rendering a node');
			return this.hooks;
		};
		this.env.addGlobal('ref', (...args: unknown[]) => {
			const [positional] = splitKeywords(args);
			// ref('package', 'model') names a package's model; this project has no packages.
			return current().ref(String(positional[positional.length - 1]));
		});
		this.env.addGlobal('source', (source: unknown, table: unknown) =>
			current().source(String(source), String(table))
		);
		this.env.addGlobal('config', (...args: unknown[]) => {
			const [positional, keywords] = splitKeywords(args);
			current().config({ ...((positional[0] as Record<string, unknown>) ?? {}), ...keywords });
			return '';
		});
		this.env.addGlobal('is_incremental', () => current().isIncremental());
		this.env.addGlobal('var', (name: unknown, ...rest: unknown[]) => {
			const key = String(name);
			if (key in context.vars) return context.vars[key];
			if (rest.length > 0) return rest[0];
			throw new ProjectError(
				`required var '${key}' is not set. Set it under vars: in dbt_project.yml or pass --vars '{${key}: …}'`,
				this.file
			);
		});
		this.env.addGlobal('env_var', (name: unknown, ...rest: unknown[]) => {
			const value = process.env[String(name)];
			if (value !== undefined) return value;
			if (rest.length > 0) return rest[0];
			throw new ProjectError(`env_var('${String(name)}') is not set and has no default`, this.file);
		});
		this.env.addGlobal('doc', (name: unknown) => {
			const text = context.docs.get(String(name));
			if (text === undefined)
				throw new ProjectError(`doc('${String(name)}') names no {% docs %} block`, this.file);
			return text;
		});
		this.env.addGlobal('target', context.target);
		this.env.addGlobal('this', '');
		this.env.addGlobal('invocation_id', context.invocationId);
		this.env.addGlobal('run_started_at', new Date().toISOString());
		this.registerMacros(macros);
	}

	/** Renders one node's template with its hooks; errors name the file and line. */
	render(template: string, file: string, hooks: RenderHooks): string {
		// Renders nest (an ephemeral parent is rendered inside its child's ref), so restore the outer state.
		const outer = { hooks: this.hooks, file: this.file, self: this.env.getGlobal('this') as unknown };
		this.hooks = hooks;
		this.file = file;
		this.env.addGlobal('this', hooks.self ?? '');
		try {
			return new nunjucks.Template(template, this.env, file, true).render({});
		} catch (error) {
			throw toProjectError(error, file);
		} finally {
			this.hooks = outer.hooks;
			this.file = outer.file;
			this.env.addGlobal('this', outer.self);
		}
	}

	/** Calls a project macro if the project defines it (e.g. `generate_schema_name`), else undefined. */
	callMacro(name: string, args: unknown[], file: string): string | undefined {
		let macro: unknown;
		try {
			macro = this.env.getGlobal(name);
		} catch {
			return undefined;
		}
		if (typeof macro !== 'function' || !this.macroNames.has(name)) return undefined;
		this.file = file;
		try {
			return String(macro(...args)).trim();
		} catch (error) {
			throw toProjectError(error, file);
		}
	}

	/** Renders text that may hold Jinja (YAML values such as `to: ref('customers')`, descriptions). */
	renderText(text: string, file: string, hooks: RenderHooks): string {
		return text.includes('{{') || text.includes('{%') ? this.render(text, file, hooks) : text;
	}

	private registerMacros(macros: MacroFile[]): void {
		for (const macro of macros) {
			let exported: Record<string, unknown> = {};
			try {
				const template = new nunjucks.Template(
					macro.source,
					this.env,
					macro.path,
					true
				) as nunjucks.Template & {
					// Present at run time, missing from @types/nunjucks: a template's top-level macros.
					getExported(
						context: object,
						callback: (error: Error | null, exported: Record<string, unknown>) => void
					): void;
				};
				template.getExported({}, (error: Error | null, result: Record<string, unknown>) => {
					if (error) throw error;
					exported = result;
				});
			} catch (error) {
				throw toProjectError(error, macro.path);
			}
			for (const [name, fn] of Object.entries(exported)) {
				if (typeof fn === 'function') {
					this.env.addGlobal(name, fn);
					this.macroNames.add(name);
				}
			}
		}
	}
}

/** nunjucks errors read "(file) [Line 3, Column 5]\n  message": keep file, line and message on one line. */
function toProjectError(error: unknown, file: string): ProjectError {
	if (error instanceof ProjectError) return error;
	const cause = (error as { cause?: unknown }).cause;
	if (cause instanceof ProjectError) return cause;
	const message = (error as Error).message ?? String(error);
	const line = /\[Line (\d+)/.exec(message)?.[1];
	const text = message
		.replace(/^\([^)]*\)\s*(\[Line \d+, Column \d+\])?\s*/, '')
		.replace(/^Error: /, '')
		.split('\n')
		.map((part) => part.trim())
		.filter(Boolean)
		.join(' ');
	const inner = /ProjectError: (.*)$/.exec(text)?.[1];
	return new ProjectError(
		inner ?? `Jinja error: ${text}. Check the template syntax.`,
		inner ? undefined : file,
		line ? Number(line) : undefined,
		{ cause: error }
	);
}
