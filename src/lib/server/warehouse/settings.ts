/**
 * The ClickHouse settings every query runs with, the same in the embedded engine and on a server, so a
 * query means the same thing wherever it runs.
 */
import type { ClickHouseSettings } from '@clickhouse/client';

/**
 * The bureau's clock. Applied per session (`session_timezone`), never to the server's configuration:
 * a shared server keeps its own default, while `now()` and parsed text read Qingdao time here
 * (`timezone()` says Asia/Shanghai while `serverTimezone()` stays UTC; servers have it since 23.x).
 * Not enough for stored columns: a DateTime column without a zone read the server's zone once the
 * table was attached by a new process (chdb 26.7), so the raw layer names the zone in the type.
 */
export const WAREHOUSE_TIMEZONE = 'Asia/Shanghai';

/** The oldest server accepted: the first LTS with the features and settings used here. */
export const MIN_SERVER_VERSION = { major: 24, minor: 8 } as const;

export const WAREHOUSE_SETTINGS: ClickHouseSettings = {
	// JSON results carry (U)Int64/128/256 as strings: `SELECT count()` gives "42", not 42. A JS number
	// silently loses digits above 2^53, and counts and ids must stay exact; convert where a number is safe.
	output_format_json_quote_64bit_integers: 1,
	// Sources send timestamps as '2024-01-02', '2024-01-02T03:04:05Z', '2024/1/2 3:04'; accept them all.
	date_time_input_format: 'best_effort',
	// A LEFT JOIN with no match gives NULL on the right (standard SQL), not the type's default (0, ''):
	// not_null and relationships tests must be able to see the missing side.
	join_use_nulls: 1,
	// ALTER … UPDATE/DELETE return only when done on every replica, so the next step sees their result.
	mutations_sync: '2',
	session_timezone: WAREHOUSE_TIMEZONE
};
