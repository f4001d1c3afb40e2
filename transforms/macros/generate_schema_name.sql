{#- The warehouse's layers are databases named exactly raw, reference, staging, intermediate, marts:
    a custom schema is used as it is, not suffixed to the target schema as dbt does by default. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
{%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
