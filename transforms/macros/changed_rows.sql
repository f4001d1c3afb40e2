{#- What a nightly build needs to know about the night's changes. The pipeline passes loaded_after: the
    latest raw load time a published build has already seen (the default, 1970, means everything).
    Rows loaded after it are the night's news; everything older was tested and built on an earlier
    night. -#}

{% macro loaded_after() -%}
toDateTime64('{{ var("loaded_after") }}', 3, 'UTC')
{%- endmacro %}

{#- The months (YYYYMM) an incremental monthly-partitioned model must recompute: those of each date
    column (a list) of every version, old and new, of each source row loaded since loaded_after — so an
    update that moves a row to another month, and a soft delete, reach both months. -#}
{% macro changed_months(relation, key, date_columns) -%}
select distinct month
from {{ relation }}
array join [{% for column in date_columns %}toYYYYMM({{ column }}){{ ", " if not loop.last }}{% endfor %}] as month
where {{ key }} in (select {{ key }} from {{ relation }} where _loaded_at > {{ loaded_after() }})
    and month is not null
{%- endmacro %}

{#- A test's where: for a key: the rows whose key also belongs to a row loaded since loaded_after, so a
    uniqueness test sees every row a new one could collide with. Everything on a first night. -#}
{% macro changed_keys(column, relation) -%}
{%- if var('loaded_after') == '1970-01-01 00:00:00' -%}
1 = 1
{%- else -%}
{{ column }} in (select {{ column }} from {{ relation }} where loaded_at > {{ loaded_after() }})
{%- endif -%}
{%- endmacro %}

{#- A condition keeping the rows whose month (of date_expr) changed since loaded_after: see changed_months.
    Everything on a first night, without looking. -#}
{% macro in_changed_months(date_expr, relation, key, date_columns) -%}
{%- if var('loaded_after') == '1970-01-01 00:00:00' -%}
1 = 1
{%- else -%}
toYYYYMM({{ date_expr }}) in ({{ changed_months(relation, key, date_columns) }})
{%- endif -%}
{%- endmacro %}

{#- A relationships test's where: the rows loaded since loaded_after, and the rows whose parent was
    deleted since then, so a parent that goes away while its rows stay is noticed. key is the model's
    column holding the source's id (every source's primary key is id), column the source's link to
    parent (a source). Both sets come by id, so FINAL reads a few granules; when no parent was deleted
    the second set is empty and costs nothing (an OR of the two conditions made ClickHouse read every
    row). Everything on a first night. -#}
{% macro changed_links(key, relation, column, parent) -%}
{%- if var('loaded_after') == '1970-01-01 00:00:00' -%}
1 = 1
{%- else -%}
{{ key }} in (
    select id from {{ relation }} where _loaded_at > {{ loaded_after() }}
    union all
    select id from {{ relation }}
    where {{ column }} in (select id from {{ parent }} where _loaded_at > {{ loaded_after() }} and _deleted = 1)
)
{%- endif -%}
{%- endmacro %}
