-- Claude Code: rows from one parsed batch. Inputs: parsed (ingest_claude_parse.sql) and
-- batch_files(file_id, session_id, ordinal_base). Unknown line types are bad lines (the parse).
-- Usage stays in the messages' token columns (the usage_lines view reads it from there); an
-- assistant line with usage whose model is not <synthetic> is a usage line, with its
-- claude_response_key() in dedupe_key. A subagent turn copied into the parent (agent_progress)
-- goes to usage_events (ingest_claude_copies.sql, run only for a batch that has one). A running
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
