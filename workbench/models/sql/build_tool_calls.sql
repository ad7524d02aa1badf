-- Tool calls with their results, one copy per session (the first result for a call's id in the
-- same file; calls without a result too). Written as an inner join of calls and first results
-- plus the calls without a result, so the filter on the build's files reaches every table scan
-- (an outer join would read every result text). Inputs: raw_tool_uses, raw_tool_results,
-- raw_progress, file_roles, shadowed_messages (build_file_roles.sql), {build_files}. Output:
-- tool_calls rows of those files.
DELETE FROM tool_calls WHERE file_id IN {build_files};

INSERT INTO tool_calls BY NAME
WITH progress AS (
    SELECT file_id, tool_use_id, count(*) AS events,
        max(elapsed_seconds) - min(elapsed_seconds) AS seconds
    FROM raw_progress WHERE file_id IN {build_files} GROUP BY file_id, tool_use_id
)
SELECT
    r.session_id, u.file_id, u.ordinal + r.ordinal_offset AS ordinal, u.ordinal AS file_ordinal,
    u.line_no, u.block_index, u.tool_use_id, u.name, u.input_json, u.ts, u.is_sidechain,
    x.result_text, x.result_length, x.is_error, x.ts AS result_ts,
    x.ordinal + r.ordinal_offset AS result_ordinal,
    x.agent_id AS result_agent_id, x.interrupted, true AS has_result,
    p.seconds AS progress_seconds, coalesce(p.events, 0) AS progress_events
FROM raw_tool_uses u
JOIN file_roles r ON r.file_id = u.file_id AND r.role <> 'copy'
    AND u.file_id IN {build_files}
JOIN raw_tool_results x ON x.file_id = u.file_id AND x.tool_use_id = u.tool_use_id
    AND x.file_id IN {build_files}
LEFT JOIN progress p ON p.file_id = u.file_id AND p.tool_use_id = u.tool_use_id
SEMI JOIN (
    SELECT file_id, tool_use_id, min(line_no * 1000000 + block_index) AS pos
    FROM raw_tool_results WHERE file_id IN {build_files} GROUP BY file_id, tool_use_id
) k ON k.file_id = x.file_id AND k.tool_use_id = x.tool_use_id
   AND k.pos = x.line_no * 1000000 + x.block_index
ANTI JOIN shadowed_messages s ON s.file_id = u.file_id AND s.ordinal = u.ordinal
UNION ALL
SELECT
    r.session_id, u.file_id, u.ordinal + r.ordinal_offset AS ordinal, u.ordinal AS file_ordinal,
    u.line_no, u.block_index, u.tool_use_id, u.name, u.input_json, u.ts, u.is_sidechain,
    NULL::VARCHAR AS result_text, 0::BIGINT AS result_length, false AS is_error,
    NULL::TIMESTAMPTZ AS result_ts, NULL::BIGINT AS result_ordinal,
    NULL::VARCHAR AS result_agent_id, NULL::BOOLEAN AS interrupted, false AS has_result,
    p.seconds AS progress_seconds, coalesce(p.events, 0) AS progress_events
FROM raw_tool_uses u
JOIN file_roles r ON r.file_id = u.file_id AND r.role <> 'copy'
    AND u.file_id IN {build_files}
LEFT JOIN progress p ON p.file_id = u.file_id AND p.tool_use_id = u.tool_use_id
ANTI JOIN raw_tool_results x ON x.file_id = u.file_id AND x.tool_use_id = u.tool_use_id
ANTI JOIN shadowed_messages s ON s.file_id = u.file_id AND s.ordinal = u.ordinal;
