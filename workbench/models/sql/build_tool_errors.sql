-- Failed tool calls with their friction category. A call failed when its result says
-- is_error, or (where an agent writes no flag) its output starts with a non-zero exit code.
-- The category is the first matching rule of the table in workbench/models/friction.py, which the
-- loader writes in place of the rule_case placeholder as CASE WHEN regexp_matches(probe, p) THEN
-- <priority> ... END (constant patterns: each regex is compiled once). No match is 'other'.
-- The rules read the head and tail of the text ({probe_head} and {probe_tail} characters:
-- friction.PROBE_HEAD and PROBE_TAIL, written in by the builder; friction.probe is the same).
-- Inputs: build_calls (build_inputs.sql), friction_rules (temp), build_sessions. Output: their
-- rows.
DELETE FROM tool_errors WHERE session_id IN (SELECT session_id FROM build_sessions);
INSERT INTO tool_errors BY NAME
WITH failed AS (
    SELECT
        c.session_id, c.file_id, c.tool_use_id, c.name AS tool_name, c.ordinal, c.block_index,
        coalesce(c.result_ts, c.ts) AS ts,
        CASE WHEN c.is_error THEN 'is_error' ELSE 'exit_code' END AS evidence,
        CASE WHEN length(coalesce(c.result_text, '')) <= {probe_head} + {probe_tail}
             THEN coalesce(c.result_text, '')
             ELSE left(c.result_text, {probe_head}) || chr(10) || right(c.result_text, {probe_tail})
        END AS probe
    FROM build_calls c
    WHERE (c.is_error
       OR regexp_matches(left(coalesce(c.result_text, ''), 200),
                         '(?i)^\s*(exit code:? ?[1-9][0-9]*|process exited with code [1-9])'))
),
ruled AS (
    SELECT *, {rule_case} AS rule FROM failed
)
SELECT r.* EXCLUDE (probe), coalesce(f.category, 'other') AS category,
    left(r.probe, 300) AS excerpt
FROM ruled r
LEFT JOIN friction_rules f ON f.priority = r.rule;
