-- Gemini CLI: rows from one parsed batch (every Gemini file is read in full). Inputs: parsed
-- (ingest_gemini_parse.sql) and batch_files(file_id, session_id, ordinal_base).
--
-- A chat is replayed as Gemini CLI does: the latest record per message id wins (a message is
-- written again as its tool calls and tokens arrive; a `$set` patch's `messages` count as records
-- too), in the order ids first appear; `$rewindTo: X` drops X and every message first seen after
-- it (all of them when X is unknown). Dropped messages leave messages/tool rows, but a response
-- that was billed stays in usage_events. Message types: user, gemini (assistant), info, error,
-- warning (system); unknown types are skipped.

CREATE OR REPLACE TEMP TABLE parsed_bad AS
SELECT file_id, line_no, byte_offset, bad_kind AS kind FROM parsed WHERE bad_kind IS NOT NULL;

CREATE OR REPLACE TEMP TABLE gemini_records AS
SELECT file_id, line_no, m,
    row_number() OVER (PARTITION BY file_id ORDER BY line_no, idx) AS seq
FROM parsed
WHERE row_kind = 'message' AND m.id IS NOT NULL;

CREATE OR REPLACE TEMP TABLE gemini_latest AS
SELECT file_id, m.id AS id, min(seq) AS first_seq, min(line_no) AS first_line,
    arg_max(line_no, seq) AS line_no, arg_max(m, seq) AS m
FROM gemini_records
GROUP BY file_id, m.id;

CREATE OR REPLACE TEMP TABLE gemini_rewinds AS
SELECT w.file_id, w.line_no,
    coalesce((SELECT min(r.seq) FROM gemini_records r
              WHERE r.file_id = w.file_id AND r.m.id = w.rewind_to AND r.line_no < w.line_no),
             0) AS cut
FROM parsed w
WHERE w.row_kind = 'line' AND w.rewind_to IS NOT NULL;

CREATE OR REPLACE TEMP TABLE gemini_messages AS
SELECT l.file_id, f.session_id, l.line_no, l.m,
    f.ordinal_base + row_number() OVER (PARTITION BY l.file_id ORDER BY l.first_seq) - 1
        AS ordinal,
    CASE l.m.type WHEN 'user' THEN 'user' WHEN 'gemini' THEN 'assistant' ELSE 'system' END
        AS msg_type,
    wb_ts(l.m.timestamp) AS ts,
    -- content is a string, a part or a list of parts ({"text"}, {"functionResponse"}, ...)
    nullif(CASE json_type(coalesce(l.m.displayContent, l.m.content))
        WHEN 'VARCHAR' THEN coalesce(l.m.displayContent, l.m.content) ->> '$'
        WHEN 'OBJECT' THEN coalesce(l.m.displayContent, l.m.content) ->> '$.text'
        WHEN 'ARRAY' THEN array_to_string(list_transform(list_filter(
            coalesce(try(from_json(coalesce(l.m.displayContent, l.m.content),
                                   '[{"text": "VARCHAR"}]')), []),
            x -> x.text IS NOT NULL), x -> x.text), chr(10))
    END, '') AS text,
    -- a user turn that only carries function responses went to the model, not from a person
    l.m.type = 'user' AND json_type(l.m.content) = 'ARRAY'
        AND contains(l.m.content::VARCHAR, '"functionResponse"')
        AND NOT contains(l.m.content::VARCHAR, '"text"') AS tool_turn
FROM gemini_latest l
JOIN batch_files f USING (file_id)
WHERE l.m.type IN ('user', 'gemini', 'info', 'error', 'warning')
  AND NOT EXISTS (
      SELECT 1 FROM gemini_rewinds w
      WHERE w.file_id = l.file_id AND w.line_no > l.first_line AND w.cut <= l.first_seq);

INSERT INTO raw_messages BY NAME
SELECT file_id, session_id, line_no, ordinal, m.id AS uuid,
    msg_type AS type,
    CASE WHEN msg_type = 'system' THEN m.type END AS subtype,
    msg_type AS role,
    text,
    nullif(array_to_string(list_transform(coalesce(m.thoughts, []),
        t -> concat_ws(': ', t.subject, t.description)), chr(10)), '') AS thinking,
    ts,
    false AS is_sidechain,
    coalesce(tool_turn, false) AS is_meta,
    msg_type = 'user' AND starts_with(ltrim(coalesce(text, '')), '<state_snapshot>')
        AS is_compact_summary,
    m.type = 'error' AND regexp_matches(coalesce(text, ''), '(?i)api error') AS is_api_error,
    CASE WHEN msg_type = 'assistant' THEN m.model END AS model,
    CASE WHEN msg_type = 'system' THEN m.type END AS level,
    session_id AS line_session_id,
    coalesce(len(m.toolCalls), 0) AS tool_use_count,
    coalesce(len(list_filter(m.toolCalls, c -> c.result IS NOT NULL
        OR c.status IN ('success', 'error', 'cancelled'))), 0) AS tool_result_count,
    m.tokens IS NOT NULL AS has_usage,
    CASE WHEN has_usage THEN greatest(coalesce(m.tokens.input, 0) - coalesce(m.tokens.cached, 0),
                                      0) + coalesce(m.tokens.tool, 0) END AS input_tokens,
    CASE WHEN has_usage THEN coalesce(m.tokens.output, 0) + coalesce(m.tokens.thoughts, 0) END
        AS output_tokens,
    CASE WHEN has_usage THEN 0 END AS cache_creation_tokens,
    CASE WHEN has_usage THEN least(coalesce(m.tokens.cached, 0), coalesce(m.tokens.input, 0))
         END AS cache_read_tokens
FROM gemini_messages;

CREATE OR REPLACE TEMP TABLE gemini_calls AS
SELECT file_id, session_id, line_no, ordinal, ts, c.block_index, c.call AS c
FROM (
    SELECT file_id, session_id, line_no, ordinal, ts,
        unnest(list_transform(m.toolCalls, (x, i) -> {'block_index': i - 1, 'call': x})) AS c
    FROM gemini_messages
    WHERE len(m.toolCalls) > 0
);

INSERT INTO raw_tool_uses BY NAME
SELECT file_id, session_id, line_no, ordinal, block_index, c.id AS tool_use_id, c.name,
    c.args::VARCHAR AS input_json, ts, false AS is_sidechain
FROM gemini_calls;

-- A result is a list of parts, each {"functionResponse": {"response": {"output"|"error"}}}; a
-- call failed when its status is error or cancelled, the response holds an error, or a shell
-- command reports a non-zero "Exit Code: N".
INSERT INTO raw_tool_results BY NAME
SELECT * EXCLUDE (errored, cancelled),
    coalesce(strlen(result_text), 0) AS result_length,
    errored OR cancelled
        OR coalesce(try_cast(regexp_extract(result_text, '(?m)^Exit Code: (-?\d+)', 1)
                             AS INTEGER) <> 0, false) AS is_error,
    cancelled AS interrupted
FROM (
    SELECT file_id, session_id, line_no, ordinal, block_index, tool_use_id,
        coalesce(
            CASE kind_of
                WHEN 'VARCHAR' THEN result ->> '$'
                WHEN 'ARRAY' THEN nullif(array_to_string(list_transform(parts,
                    x -> coalesce(x.text,
                                  json_extract_string(x.functionResponse.response, '$.output'),
                                  json_extract_string(x.functionResponse.response, '$.error'),
                                  x.functionResponse.response::VARCHAR)), chr(10)), '')
                WHEN 'OBJECT' THEN coalesce(result ->> '$.functionResponse.response.output',
                                            result ->> '$.functionResponse.response.error',
                                            result ->> '$.text', result::VARCHAR)
            END,
            display) AS result_text,
        coalesce(status = 'error', false)
            OR coalesce(list_bool_or(list_transform(parts,
                x -> json_extract(x.functionResponse.response, '$.error') IS NOT NULL)), false)
            OR coalesce(result ->> '$.functionResponse.response.error' IS NOT NULL
                        AND kind_of = 'OBJECT', false) AS errored,
        coalesce(status = 'cancelled', false) AS cancelled,
        ts, agent_id
    FROM (
        SELECT file_id, session_id, line_no, ordinal, block_index, c.id AS tool_use_id,
            c.result AS result, json_type(c.result) AS kind_of, c.status AS status,
            CASE WHEN json_type(c.result) = 'ARRAY' THEN coalesce(try(from_json(c.result,
                '[{"text": "VARCHAR", "functionResponse": {"response": "JSON"}}]')), []) END
                AS parts,
            CASE WHEN json_type(c.resultDisplay) = 'VARCHAR' THEN c.resultDisplay ->> '$' END
                AS display,
            coalesce(wb_ts(c.timestamp), ts) AS ts,
            c.agentId AS agent_id
        FROM gemini_calls
        WHERE c.result IS NOT NULL OR c.status IN ('success', 'error', 'cancelled')
    )
);

-- Usage per response, counted once per (session, message id) across files: a legacy .json
-- chat and the .jsonl it was migrated to on resume hold the same messages. input includes
-- cached input (cacheReadTokens here) and thoughts bill as output; tool-use prompt tokens are
-- input.
INSERT INTO usage_events BY NAME
SELECT l.file_id, f.session_id, l.line_no,
    'gemini:' || f.session_id || ':' || l.id AS dedupe_key,
    l.id AS message_id,
    wb_ts(l.m.timestamp) AS ts, l.m.model AS model, false AS is_sidechain,
    greatest(coalesce(l.m.tokens.input, 0) - coalesce(l.m.tokens.cached, 0), 0)
        + coalesce(l.m.tokens.tool, 0) AS input_tokens,
    coalesce(l.m.tokens.output, 0) + coalesce(l.m.tokens.thoughts, 0) AS output_tokens,
    0 AS cache_creation_tokens, 0 AS cache_5m_tokens, 0 AS cache_1h_tokens,
    least(coalesce(l.m.tokens.cached, 0), coalesce(l.m.tokens.input, 0)) AS cache_read_tokens,
    coalesce(l.m.tokens.thoughts, 0) AS reasoning_tokens,
    input_tokens + output_tokens + cache_read_tokens AS total_tokens
FROM gemini_latest l
JOIN batch_files f USING (file_id)
WHERE l.m.type = 'gemini' AND l.m.tokens IS NOT NULL;

DROP TABLE gemini_records;
DROP TABLE gemini_latest;
DROP TABLE gemini_rewinds;
DROP TABLE gemini_messages;
DROP TABLE gemini_calls;
