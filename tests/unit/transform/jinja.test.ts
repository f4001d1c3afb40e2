import { describe, expect, it } from 'vitest';
import { ProjectError } from '../../../src/lib/server/transform/errors';
import { JinjaRenderer, type RenderHooks } from '../../../src/lib/server/transform/jinja';

const context = {
	vars: { start: '2026-01-01', meals: ['lunch', 'dinner'] },
	docs: new Map([['orders', 'One row per order.']]),
	target: { name: 'default', schema: 'analytics', type: 'clickhouse' },
	invocationId: 'test'
};
const macros = [
	{
		path: 'macros/money.sql',
		source:
			'{% macro cents_to_yuan(column, decimals=2) -%}round({{ column }} / 100.0, {{ decimals }}){%- endmacro %}'
	},
	{ path: 'macros/rel.sql', source: "{% macro orders_rel() %}{{ ref('orders') }}{% endmacro %}" }
];

function hooks(overrides: Partial<RenderHooks> = {}): RenderHooks & { configs: Record<string, unknown>[] } {
	const configs: Record<string, unknown>[] = [];
	return {
		configs,
		ref: (name) => `"analytics"."${name}"`,
		source: (s, t) => `"${s}"."${t}"`,
		config: (values) => configs.push(values),
		isIncremental: () => false,
		...overrides
	};
}

describe('Jinja through nunjucks', () => {
	const renderer = new JinjaRenderer(context, macros);
	const render = (template: string, h = hooks()) => renderer.render(template, 'models/m.sql', h);

	it('renders ref, source, var with defaults, env_var, this and target', () => {
		process.env.JINJA_TEST_VAR = 'from-env';
		const h = hooks({ self: '"analytics"."m"' });
		expect(
			render(
				"{{ ref('a') }} {{ source('raw', 'b') }} {{ var('start') }} {{ var('missing', 7) }} {{ env_var('JINJA_TEST_VAR') }} {{ this }} {{ target.schema }}",
				h
			)
		).toBe('"analytics"."a" "raw"."b" 2026-01-01 7 from-env "analytics"."m" analytics');
	});

	it('collects config(...) keyword arguments', () => {
		const h = hooks();
		expect(render("{{ config(materialized='table', tags=['x']) }}select 1", h)).toBe('select 1');
		expect(h.configs).toEqual([{ materialized: 'table', tags: ['x'] }]);
	});

	it('loops with loop.last, sets variables, trims whitespace and drops comments', () => {
		const sql = render(
			"{# a comment #}select\n{%- set meals = var('meals') %}\n{%- for meal in meals %}\n  {{ meal }}_cents{% if not loop.last %},{% endif %}\n{%- endfor %}"
		);
		expect(sql).toBe('select\n  lunch_cents,\n  dinner_cents');
	});

	it('calls project macros, with default and keyword arguments, and macros may call ref', () => {
		expect(render("{{ cents_to_yuan('amount') }} {{ cents_to_yuan('amount', decimals=0) }}")).toBe(
			'round(amount / 100.0, 2) round(amount / 100.0, 0)'
		);
		expect(render('{{ orders_rel() }}')).toBe('"analytics"."orders"');
	});

	it('switches on is_incremental()', () => {
		const template = '{% if is_incremental() %}where x > 1{% endif %}';
		expect(render(template)).toBe('');
		expect(render(template, hooks({ isIncremental: () => true }))).toBe('where x > 1');
	});

	it('resolves doc() in descriptions', () => {
		expect(renderer.renderText('{{ doc("orders") }}', 'models/m.yml', hooks())).toBe('One row per order.');
	});

	it('reports a missing var, an unset env_var and a syntax error with the file', () => {
		expect(() => render("{{ var('nope') }}")).toThrow(ProjectError);
		expect(() => render("{{ var('nope') }}")).toThrow(/models\/m\.sql: required var 'nope' is not set/);
		expect(() => render("{{ env_var('SURELY_NOT_SET_ANYWHERE') }}")).toThrow(
			/env_var\('SURELY_NOT_SET_ANYWHERE'\) is not set/
		);
		expect(() => render('select\n{% if %}')).toThrow(
			/^models\/m\.sql:2: Jinja error: .*Check the template syntax\.$/
		);
	});
});
