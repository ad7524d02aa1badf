-- Claude Code: parse one batch of lines, once. Input raw_lines(file_id, line_no, byte_offset,
-- line, bad_reason, read_size). The loader stores the result in a temp table `parsed` for
-- ingest_claude.sql: flat columns (not one wide struct, which is slow to materialise), so each
-- insert there reads only the columns it needs. When DuckDB read the files (read_lines.sql),
-- each file's last piece (read_size set) is kept, blank or not, for the loader to judge; and
-- raw_line keeps the text of those pieces, of bad lines (the loader words the reason) and of
-- lines with a bad value.
-- Token counts and timestamps pass the checks of ingest_checks.sql (wb_*): a bad value is kept
-- as NULL, and its line flagged (has_bad_values, with its text in raw_line) for
-- ingest_claude_bad_values.sql to word, which runs only when a line is flagged (it would double
-- this query's planning time); a line whose type Claude Code does not write is a bad line.
SELECT
    file_id, line_no, byte_offset,
    bad_kind,
    read_size,
    j.type IN ('user', 'assistant', 'system') AND bad_kind IS NULL AS is_message,
    j.type, j.subtype, j.uuid, j.parentUuid AS parent_uuid,
    coalesce(j.message.role, j.type) AS role,
    CASE
        WHEN j.type = 'system' THEN j.content
        WHEN j.message.content IS NULL THEN content_str
        ELSE nullif(array_to_string(list_transform(
            list_filter(j.message.content, b -> b.type = 'text'), b -> b.text), chr(10)), '')
    END AS text,
    nullif(array_to_string(list_transform(
        list_filter(j.message.content, b -> b.type = 'thinking'), b -> b.thinking), chr(10)), '')
        AS thinking,
    ts,
    coalesce(j.isSidechain, false) AS is_sidechain,
    coalesce(j.isMeta, false) AS is_meta,
    coalesce(j.isCompactSummary, false) AS is_compact_summary,
    coalesce(j.isApiErrorMessage
        OR (j.type = 'assistant' AND j.message.model = '<synthetic>'
            AND starts_with(j.message.content[1].text, 'API Error'))
        OR (j.type = 'system' AND j.subtype = 'api_error'), false) AS is_api_error,
    j.message.model AS model, j.message.id AS message_id, j.requestId AS request_id,
    j.message.stop_reason AS stop_reason, j.level, j.cwd, j.gitBranch AS git_branch,
    j.version AS cli_version, j.agentId AS agent_id, j.sessionId AS line_session_id,
    j.entrypoint,  -- how Claude Code was started: cli, sdk-cli (claude -p), sdk-ts, ...
    usage_kind,
    coalesce(usage_kind = 'OBJECT', false) AS has_usage,
    input_tokens, output_tokens, cache_creation_tokens, cache_5m_tokens, cache_1h_tokens,
    cache_read_tokens,
    CASE WHEN j.type = 'assistant' THEN list_filter(
        list_transform(j.message.content, (b, i) -> {
            'block_index': i - 1, 'type': b.type, 'id': b.id, 'name': b.name, 'input': b.input}),
        b -> b.type = 'tool_use') END AS tool_uses,
    CASE WHEN j.type = 'user' THEN list_filter(
        list_transform(j.message.content, (b, i) -> {
            'block_index': i - 1, 'type': b.type, 'tool_use_id': b.tool_use_id,
            'content': b.content,
            'length': strlen(b.content),
            'is_error': b.is_error}),
        b -> b.type = 'tool_result') END AS tool_results,
    j.toolUseResult.agentId AS result_agent_id,
    j.toolUseResult.interrupted AS result_interrupted,
    -- Claude Code 2.x copies each subagent assistant turn into the parent transcript as a
    -- progress line: data.message is the subagent's whole assistant line
    CASE WHEN j.type = 'progress' AND j.data.type = 'agent_progress'
              AND j.data.message.type = 'assistant' AND j.data.message.message.usage IS NOT NULL
         THEN j.data END AS agent_copy,
    -- a running command's progress (bash_progress): its call (parentToolUseID) and the
    -- seconds since the command started, cumulative (a duration is max - min, never a sum)
    progress_value,
    CASE WHEN progress_value BETWEEN 0 AND 1e7 THEN j.parentToolUseID END
        AS progress_tool_use_id,
    CASE WHEN progress_tool_use_id IS NOT NULL THEN j.data.type END AS progress_kind,
    CASE WHEN progress_tool_use_id IS NOT NULL THEN progress_value END AS progress_elapsed,
    coalesce(is_message AND (
        (j.timestamp IS NOT NULL OR has_usage) AND ts IS NULL
        OR usage_kind <> 'OBJECT'
        OR j.message.usage.input_tokens IS NOT NULL AND input_tokens IS NULL
        OR j.message.usage.output_tokens IS NOT NULL AND output_tokens IS NULL
        OR j.message.usage.cache_creation_input_tokens IS NOT NULL
           AND cache_creation_tokens IS NULL
        OR j.message.usage.cache_creation.ephemeral_5m_input_tokens IS NOT NULL
           AND cache_5m_tokens IS NULL
        OR j.message.usage.cache_creation.ephemeral_1h_input_tokens IS NOT NULL
           AND cache_1h_tokens IS NULL
        OR j.message.usage.cache_read_input_tokens IS NOT NULL AND cache_read_tokens IS NULL
    ), false) AS has_bad_values,
    CASE WHEN read_size IS NOT NULL OR bad_kind IS NOT NULL OR has_bad_values THEN line END
        AS raw_line
FROM (
    -- the values the columns above test, computed once: the outer list refers to them as
    -- columns (an alias used again would be written out again, and DuckDB would bind and
    -- optimise the copies: most of a small parse's time)
    SELECT *,
        CASE
            WHEN bad_reason IS NOT NULL THEN bad_reason
            WHEN j IS NULL THEN 'json'
            WHEN first_char <> '{' THEN 'not_object'
            WHEN j.type IS NULL THEN 'object has no "type" field'
            WHEN j.type NOT IN ('user', 'assistant', 'system', 'summary', 'progress', 'attachment',
                'file-history-snapshot', 'queue-operation', 'permission-mode', 'last-prompt',
                'custom-title', 'ai-title', 'agent-name', 'agent-color', 'agent-setting', 'tag',
                'mode', 'pr-link', 'worktree-state', 'result', 'cost-state', 'saved_hook_context',
                'agent_metadata', 'atis-latch') THEN 'type'
            WHEN j.type IN ('user', 'assistant') AND j.message.content IS NULL AND content_str IS NULL
                THEN j.type || ' line has no message.content'
        END AS bad_kind,
        wb_ts(j.timestamp) AS ts,
        -- a usage that is not an object (a string, a number, ...) is no response: a bad value
        CASE WHEN j.message.usage IS NULL THEN NULL
             WHEN coalesce(j.message.usage.input_tokens, j.message.usage.output_tokens,
                           j.message.usage.cache_read_input_tokens) IS NOT NULL THEN 'OBJECT'
             ELSE json_type(line, '$.message.usage') END AS usage_kind,
        wb_token(j.message.usage.input_tokens) AS input_tokens,
        wb_token(j.message.usage.output_tokens) AS output_tokens,
        wb_token(j.message.usage.cache_creation_input_tokens) AS cache_creation_tokens,
        wb_token(j.message.usage.cache_creation.ephemeral_5m_input_tokens) AS cache_5m_tokens,
        wb_token(j.message.usage.cache_creation.ephemeral_1h_input_tokens) AS cache_1h_tokens,
        wb_token(j.message.usage.cache_read_input_tokens) AS cache_read_tokens,
        -- a progress line's elapsed seconds: a JSON number (from 0 to 10^7 to count)
        CASE WHEN j.type = 'progress'
                  AND json_type(j.data.elapsedTimeSeconds) IN ('BIGINT', 'UBIGINT', 'DOUBLE')
             THEN try_cast(j.data.elapsedTimeSeconds AS DOUBLE) END AS progress_value
    FROM (
        SELECT *,
            -- a typed prompt has a string content: read it again, only for those lines
            CASE WHEN j.type = 'user' AND j.message.content IS NULL
                 THEN try(json_extract_string(line, '$.message.content')) END AS content_str
        FROM (
            SELECT file_id, line_no, byte_offset, bad_reason, line, read_size,
                left(ltrim(left(line, 64)), 1) AS first_char,
                -- a file's last piece may be blank or unfinished: json_valid spares try() the
                -- error, which would make it redo the whole vector row by row
                CASE WHEN bad_reason IS NULL AND (read_size IS NULL OR json_valid(line))
                     THEN try(from_json(line, '{
                    "type": "VARCHAR", "subtype": "VARCHAR", "uuid": "VARCHAR",
                    "parentUuid": "VARCHAR", "sessionId": "VARCHAR", "agentId": "VARCHAR",
                    "timestamp": "VARCHAR", "isSidechain": "BOOLEAN", "isMeta": "BOOLEAN",
                    "isCompactSummary": "BOOLEAN", "isApiErrorMessage": "BOOLEAN",
                    "cwd": "VARCHAR", "gitBranch": "VARCHAR", "version": "VARCHAR",
                    "entrypoint": "VARCHAR", "requestId": "VARCHAR", "level": "VARCHAR",
                    "content": "VARCHAR", "parentToolUseID": "VARCHAR",
                    "toolUseResult": {"agentId": "VARCHAR", "interrupted": "BOOLEAN"},
                    "data": {"type": "VARCHAR", "agentId": "VARCHAR",
                        "elapsedTimeSeconds": "JSON", "message": {
                        "type": "VARCHAR", "timestamp": "VARCHAR", "requestId": "VARCHAR",
                        "isSidechain": "BOOLEAN",
                        "message": {"id": "VARCHAR", "model": "VARCHAR", "usage": {
                            "input_tokens": "BIGINT", "output_tokens": "BIGINT",
                            "cache_creation_input_tokens": "BIGINT",
                            "cache_read_input_tokens": "BIGINT",
                            "cache_creation": {
                                "ephemeral_5m_input_tokens": "BIGINT",
                                "ephemeral_1h_input_tokens": "BIGINT"
                            }}}}},
                    "message": {
                        "id": "VARCHAR", "role": "VARCHAR", "model": "VARCHAR",
                        "stop_reason": "VARCHAR",
                        "content": [{
                            "type": "VARCHAR", "text": "VARCHAR", "thinking": "VARCHAR",
                            "id": "VARCHAR", "name": "VARCHAR", "input": "JSON",
                            "tool_use_id": "VARCHAR", "content": "VARCHAR", "is_error": "BOOLEAN"
                        }],
                        "usage": {
                            "input_tokens": "JSON", "output_tokens": "JSON",
                            "cache_creation_input_tokens": "JSON",
                            "cache_read_input_tokens": "JSON",
                            "cache_creation": {
                                "ephemeral_5m_input_tokens": "JSON",
                                "ephemeral_1h_input_tokens": "JSON"
                            }
                        }
                    }
                }')) END AS j
            FROM raw_lines
            -- blank lines are skipped (CASE evaluates trim only for short lines)
            WHERE CASE WHEN bad_reason IS NOT NULL OR read_size IS NOT NULL OR strlen(line) > 256
                       THEN true
                       ELSE trim(line, ' ' || chr(9) || chr(10) || chr(13)) <> '' END
        )
    )
)
