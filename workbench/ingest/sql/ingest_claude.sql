-- Claude Code: rows from one parsed batch. Inputs: parsed (ingest_claude_parse.sql) and
-- batch_files(file_id, session_id, ordinal_base). Unknown line types are bad lines (the parse).
-- Usage stays in the messages' token columns (the usage_lines view reads it from there); an
-- assistant line with usage whose model is not <synthetic> is a usage line, with its
-- claude_response_key() in dedupe_key. A subagent turn copied into the parent (agent_progress)
-- goes to usage_events as a response of that subagent (session agent-<agentId>). A running
-- command's progress line (bash_progress: cumulative elapsedTimeSeconds) goes to raw_progress.

-- Lines that cannot be used; the loader words the reason (it has the bytes for a JSON error).
CREATE OR REPLACE TEMP TABLE parsed_bad AS
SELECT file_id, line_no, byte_offset, bad_kind AS kind FROM parsed WHERE bad_kind IS NOT NULL;

-- The message lines and their position in the session.
CREATE OR REPLACE TEMP TABLE line_ordinals AS
SELECT p.file_id, p.line_no, f.session_id,
    f.ordinal_base + row_number() OVER (PARTITION BY p.file_id ORDER BY p.line_no) - 1 AS ordinal
FROM parsed p
JOIN batch_files f USING (file_id)
WHERE p.is_message;

INSERT INTO raw_messages BY NAME
SELECT o.session_id, o.ordinal,
    p.* EXCLUDE (byte_offset, read_size, raw_line, bad_kind, is_message, tool_uses, tool_results,
                 result_agent_id, result_interrupted, agent_copy, usage_kind, has_bad_values,
                 progress_value, progress_tool_use_id, progress_kind, progress_elapsed),
    coalesce(len(p.tool_uses), 0) AS tool_use_count,
    coalesce(len(p.tool_results), 0) AS tool_result_count,
    CASE WHEN p.type = 'assistant' AND p.has_usage AND coalesce(p.model, '') <> '<synthetic>'
         THEN claude_response_key(p.message_id, p.request_id, p.file_id, p.line_no) END
        AS dedupe_key
FROM parsed p
JOIN line_ordinals o USING (file_id, line_no);

INSERT INTO usage_events BY NAME
SELECT file_id, 'agent-' || agent_id AS session_id, line_no,
    claude_response_key(message_id, request_id, file_id, line_no) AS dedupe_key,
    message_id, request_id, ts, model, true AS is_sidechain,
    input_tokens, output_tokens, cache_creation AS cache_creation_tokens,
    cache_creation - cache_1h AS cache_5m_tokens, cache_1h AS cache_1h_tokens,
    cache_read AS cache_read_tokens, 0 AS reasoning_tokens,
    input_tokens + output_tokens + cache_creation + cache_read AS total_tokens,
    parent_session_id
FROM (
    SELECT p.file_id, p.line_no, p.agent_copy.agentId AS agent_id,
        p.agent_copy.message.message.id AS message_id,
        p.agent_copy.message.requestId AS request_id,
        coalesce(wb_ts(p.agent_copy.message.timestamp), p.ts) AS ts,
        p.agent_copy.message.message.model AS model,
        coalesce(p.line_session_id, f.session_id) AS parent_session_id,
        -- the copy's counts, bounded like every token count (a value out of range is 0)
        coalesce(wb_copy_tokens(u.input_tokens), 0) AS input_tokens,
        coalesce(wb_copy_tokens(u.output_tokens), 0) AS output_tokens,
        coalesce(wb_copy_tokens(u.cache_creation_input_tokens),
                 coalesce(wb_copy_tokens(u.cache_creation.ephemeral_5m_input_tokens), 0)
                 + coalesce(wb_copy_tokens(u.cache_creation.ephemeral_1h_input_tokens), 0))
            AS cache_creation,
        least(coalesce(wb_copy_tokens(u.cache_creation.ephemeral_1h_input_tokens), 0),
              cache_creation) AS cache_1h,
        coalesce(wb_copy_tokens(u.cache_read_input_tokens), 0) AS cache_read
    FROM (SELECT *, agent_copy.message.message.usage AS u FROM parsed) p
    JOIN batch_files f USING (file_id)
    WHERE p.agent_copy IS NOT NULL AND p.agent_copy.agentId IS NOT NULL
      AND coalesce(p.agent_copy.message.message.model, '') <> '<synthetic>'
);

INSERT INTO raw_tool_uses BY NAME
SELECT file_id, session_id, line_no, ordinal, b.block_index, b.id AS tool_use_id, b.name,
    b.input AS input_json, ts, is_sidechain
FROM (
    SELECT p.file_id, o.session_id, p.line_no, o.ordinal, p.ts, p.is_sidechain,
        unnest(p.tool_uses) AS b
    FROM parsed p
    JOIN line_ordinals o USING (file_id, line_no)
    WHERE len(p.tool_uses) > 0
);

-- A result's content is a string or a list of text/image blocks.
INSERT INTO raw_tool_results BY NAME
SELECT * EXCLUDE (result_text), result_text, coalesce(strlen(result_text), 0) AS result_length
FROM (
    SELECT file_id, session_id, line_no, ordinal, b.block_index, b.tool_use_id,
        CASE WHEN starts_with(b.content, '[')
             THEN coalesce(try(array_to_string(list_transform(list_filter(
                    from_json(b.content, '[{"type":"VARCHAR","text":"VARCHAR"}]'),
                    x -> x.type = 'text'), x -> x.text), chr(10))), b.content)
             ELSE b.content END AS result_text,
        coalesce(b.is_error, false) AS is_error,
        ts, agent_id, interrupted
    FROM (
        SELECT p.file_id, o.session_id, p.line_no, o.ordinal, p.ts,
            p.result_agent_id AS agent_id, p.result_interrupted AS interrupted,
            unnest(p.tool_results) AS b
        FROM parsed p
        JOIN line_ordinals o USING (file_id, line_no)
        WHERE len(p.tool_results) > 0
    )
);

-- Progress of a running command, one row per progress line that says how long it has run.
INSERT INTO raw_progress BY NAME
SELECT p.file_id, f.session_id, p.line_no, p.progress_tool_use_id AS tool_use_id,
    p.progress_kind AS kind, p.ts, p.progress_elapsed AS elapsed_seconds
FROM parsed p
JOIN batch_files f USING (file_id)
WHERE p.progress_tool_use_id IS NOT NULL;
