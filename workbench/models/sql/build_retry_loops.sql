-- Retry loops: runs of >= 3 consecutive tool calls (in session order) of the same tool with
-- identical input. Inputs: build_calls (build_inputs.sql), tool_errors, build_sessions,
-- {build_files}. Output: their rows.
DELETE FROM retry_loops WHERE session_id IN (SELECT session_id FROM build_sessions);
INSERT INTO retry_loops BY NAME
WITH calls AS (
    SELECT u.session_id, u.name, u.input_json, u.ordinal, u.block_index, u.ts,
        e.ordinal IS NOT NULL AS failed,
        CASE WHEN u.name IS NOT DISTINCT FROM lag(u.name) OVER w
                  AND u.input_json IS NOT DISTINCT FROM lag(u.input_json) OVER w
             THEN 0 ELSE 1 END AS starts_run
    FROM build_calls u
    LEFT JOIN (SELECT * FROM tool_errors WHERE file_id IN {build_files}) e
        ON e.session_id = u.session_id AND e.ordinal = u.ordinal
       AND e.block_index = u.block_index
    WINDOW w AS (PARTITION BY u.session_id ORDER BY u.ordinal, u.block_index)
),
runs AS (
    SELECT *, sum(starts_run) OVER (PARTITION BY session_id ORDER BY ordinal, block_index) AS run
    FROM calls
)
SELECT any_value(session_id) AS session_id, any_value(name) AS tool_name,
    left(any_value(input_json), 300) AS input_excerpt, count(*) AS length,
    count(*) FILTER (failed) AS failures, min(ordinal) AS first_ordinal,
    max(ordinal) AS last_ordinal, min(ts) AS started_at
FROM runs
GROUP BY session_id, run
HAVING count(*) >= 3;
