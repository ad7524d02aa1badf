-- Gemini CLI: parse one batch, once. Input raw_lines(file_id, line_no, byte_offset, line,
-- bad_reason): a legacy chat (`session-*.json`) arrives as one row, the whole document; a JSONL
-- chat as one row per line. The loader keeps the result as the temp table `parsed` for
-- ingest_gemini.sql: one row per line (row_kind 'line': its verdict, metadata, $rewindTo) and one
-- per message record in it (row_kind 'message', idx = position in the line: a document's
-- `messages`, a `$set` patch's `messages`, or 0 for a message record line). Token counts pass
-- the checks of ingest_checks.sql (wb_*): a bad value is kept as NULL and listed in bad_values.
WITH lines AS (
    SELECT file_id, line_no, byte_offset, bad_reason, line,
        left(ltrim(left(line, 64)), 1) AS first_char,
        CASE WHEN bad_reason IS NULL THEN try(from_json(line, '{
            "id": "VARCHAR", "type": "VARCHAR", "sessionId": "VARCHAR",
            "projectHash": "VARCHAR", "kind": "VARCHAR", "messages": "JSON",
            "$set": {"sessionId": "VARCHAR", "kind": "VARCHAR", "messages": "JSON"},
            "$rewindTo": "VARCHAR"}')) END AS j
    FROM raw_lines
    -- blank lines are skipped (CASE evaluates trim only for short lines)
    WHERE CASE WHEN bad_reason IS NOT NULL OR strlen(line) > 256 THEN true
               ELSE trim(line, ' ' || chr(9) || chr(10) || chr(13)) <> '' END
),
judged AS (
    SELECT *,
        CASE
            WHEN bad_reason IS NOT NULL THEN bad_reason
            WHEN j IS NULL THEN 'json'
            WHEN first_char <> '{' THEN 'not_object'
            WHEN j.id IS NOT NULL AND j.type IS NULL THEN 'message record has no "type" field'
            WHEN j.id IS NULL AND j['$rewindTo'] IS NULL AND j['$set'] IS NULL
                 AND j.sessionId IS NULL
                THEN 'not a Gemini chat record (no "id", "sessionId", "$set" or "$rewindTo")'
            WHEN j.id IS NULL AND json_type(coalesce(j.messages, j['$set'].messages)) <> 'ARRAY'
                THEN '"messages" is not a list'
        END AS bad_kind,
        CASE WHEN j.id IS NULL THEN coalesce(j.messages, j['$set'].messages) END AS arr
    FROM lines
),
records AS (
    SELECT file_id, line_no, 0 AS idx, line::JSON AS rec
    FROM judged WHERE bad_kind IS NULL AND j.id IS NOT NULL
    UNION ALL
    SELECT file_id, line_no, generate_subscripts(elems, 1) - 1 AS idx, unnest(elems) AS rec
    FROM (
        SELECT file_id, line_no, from_json(arr, '["JSON"]') AS elems
        FROM judged WHERE bad_kind IS NULL AND arr IS NOT NULL
    )
)
SELECT file_id, line_no, byte_offset, bad_kind, 'line' AS row_kind, NULL::BIGINT AS idx,
    coalesce(j.sessionId, j['$set'].sessionId) AS meta_session_id,
    coalesce(j.kind, j['$set'].kind) AS meta_kind,
    j['$rewindTo'] AS rewind_to,
    NULL AS m, NULL AS bad_values
FROM judged
UNION ALL
SELECT file_id, line_no, NULL, NULL, 'message', idx, NULL, NULL, NULL,
    struct_update(m, tokens := wb_gemini_tokens(m.tokens)) AS m,
    CASE WHEN m.tokens IS NOT NULL OR m.timestamp IS NOT NULL AND wb_ts(m.timestamp) IS NULL
        THEN list_filter(
            [wb_bad('timestamp', wb_ts_problem(m.timestamp, m.tokens IS NOT NULL),
                    to_json(m.timestamp))] || wb_gemini_problems(m.tokens),
            x -> x IS NOT NULL) END AS bad_values
FROM (SELECT file_id, line_no, idx, from_json(rec, '{
        "id": "VARCHAR", "timestamp": "VARCHAR", "type": "VARCHAR", "content": "JSON",
        "displayContent": "JSON", "model": "VARCHAR",
        "thoughts": [{"subject": "VARCHAR", "description": "VARCHAR"}],
        "tokens": {"input": "JSON", "output": "JSON", "cached": "JSON",
                   "thoughts": "JSON", "tool": "JSON", "total": "JSON"},
        "toolCalls": [{"id": "VARCHAR", "name": "VARCHAR", "args": "JSON", "result": "JSON",
                       "status": "VARCHAR", "timestamp": "VARCHAR", "agentId": "VARCHAR",
                       "resultDisplay": "JSON"}]}') AS m
    FROM records)
