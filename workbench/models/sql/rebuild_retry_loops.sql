-- Retry loops: runs of >= 3 consecutive tool calls (in session order) of the same tool with
-- identical input.
DELETE FROM retry_loops;
INSERT INTO retry_loops BY NAME
WITH calls AS (
    SELECT u.session_id, u.file_id, u.name, u.input_json, u.ordinal, u.block_index, u.ts,
        e.ordinal IS NOT NULL AS failed,
        CASE WHEN u.name IS NOT DISTINCT FROM lag(u.name) OVER w
                  AND u.input_json IS NOT DISTINCT FROM lag(u.input_json) OVER w
             THEN 0 ELSE 1 END AS starts_run
    FROM tool_uses u
    LEFT JOIN tool_errors e
        ON e.file_id = u.file_id AND e.ordinal = u.ordinal AND e.block_index = u.block_index
    WINDOW w AS (PARTITION BY u.file_id ORDER BY u.ordinal, u.block_index)
),
runs AS (
    SELECT *, sum(starts_run) OVER (PARTITION BY file_id ORDER BY ordinal, block_index) AS run
    FROM calls
)
SELECT any_value(session_id) AS session_id, any_value(name) AS tool_name,
    left(any_value(input_json), 300) AS input_excerpt, count(*) AS length,
    count(*) FILTER (failed) AS failures, min(ordinal) AS first_ordinal,
    max(ordinal) AS last_ordinal, min(ts) AS started_at
FROM runs
GROUP BY file_id, run
HAVING count(*) >= 3;
