-- Codex CLI: rows from one parsed batch. Inputs: parsed (ingest_codex_parse.sql) and
-- batch_files(file_id, session_id, ordinal_base). Item types not listed here (ghost_snapshot,
-- the event_msg copies of messages, ...) are skipped silently.

CREATE OR REPLACE TEMP TABLE parsed_bad AS
SELECT file_id, line_no, byte_offset, bad_kind AS kind FROM parsed WHERE bad_kind IS NOT NULL;

-- What a line inherits from the lines before it (the loader always reads a rollout whole): the
-- session (the latest session_meta: a forked rollout repeats its parent's session_meta and history
-- after its own), its CLI version and git branch, the model and cwd (the latest turn_context).
-- Only the lines that give rows are kept.
CREATE OR REPLACE TEMP TABLE codex_lines AS
WITH ctx AS (
    -- narrow first: only these columns go through the window and the join
    SELECT file_id, line_no, keep,
        coalesce(last_value(meta_id IGNORE NULLS) OVER w, f.session_id) AS scope_id,
        last_value(model IGNORE NULLS) OVER w AS cur_model,
        last_value(cwd IGNORE NULLS) OVER w AS cur_cwd,
        last_value(cli_version IGNORE NULLS) OVER w AS cur_version,
        last_value(git_branch IGNORE NULLS) OVER w AS cur_branch,
        last_value(entrypoint IGNORE NULLS) OVER w AS cur_entrypoint,
        f.session_id, f.ordinal_base
    FROM (
        SELECT file_id, line_no, meta_id, model, cwd, cli_version, git_branch, entrypoint,
            (kind = 'response_item' AND item_type IN ('message', 'reasoning', 'function_call',
                'custom_tool_call', 'local_shell_call', 'web_search_call', 'function_call_output',
                'custom_tool_call_output'))
            OR (kind = 'event_msg' AND item_type IN ('error', 'turn_aborted', 'token_count'))
            OR kind = 'compacted' AS keep
        FROM parsed
        WHERE bad_kind IS NULL
    )
    JOIN batch_files f USING (file_id)
    WINDOW w AS (PARTITION BY file_id ORDER BY line_no
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT p.* EXCLUDE (byte_offset, bad_kind, meta_id, cwd, cli_version, git_branch, model,
                    entrypoint, ts_text, bad_values), c.*
    EXCLUDE (file_id, line_no, keep)
FROM parsed p
JOIN ctx c USING (file_id, line_no)
WHERE c.keep;

-- One message row per conversation item: a message (user, developer, assistant), reasoning
-- (assistant, as thinking), a tool call (assistant) or its output (user, as a tool result),
-- an error or an aborted turn (system), a compaction (system compact_boundary).
CREATE OR REPLACE TEMP TABLE codex_items AS
SELECT *,
    ordinal_base + row_number() OVER (PARTITION BY file_id ORDER BY line_no) - 1 AS ordinal
FROM (
    SELECT *,
        CASE
            WHEN kind = 'compacted' THEN 'system'
            WHEN kind = 'event_msg' THEN 'system'
            WHEN item_type = 'message' AND role = 'assistant' THEN 'assistant'
            WHEN item_type = 'message' THEN 'user'
            WHEN item_type IN ('function_call_output', 'custom_tool_call_output') THEN 'user'
            ELSE 'assistant'
        END AS msg_type,
        CASE
            WHEN kind = 'compacted' THEN 'compact_boundary'
            WHEN kind = 'event_msg' THEN item_type
        END AS msg_subtype,
        item_type IN ('function_call', 'custom_tool_call', 'local_shell_call', 'web_search_call')
            AS is_call,
        item_type IN ('function_call_output', 'custom_tool_call_output') AS is_output,
        -- injected context (developer instructions, AGENTS.md, environment, skills, a `!` shell
        -- command, an abort notice sent as user messages) was not typed as a prompt
        coalesce(item_type = 'message' AND (role IN ('developer', 'system')
            OR role = 'user' AND list_bool_or(list_transform(
                coalesce(try(from_json(content, '[{"text": "VARCHAR"}]')), []),
                c -> regexp_matches(coalesce(c.text, ''),
                    '^\s*(<environment_context|<user_instructions>|# AGENTS\.md instructions'
                    || '|<INSTRUCTIONS>|<skills?_instructions>|<skill>|<user_shell_command>'
                    || '|<turn_aborted>|<subagent_notification>|<context_update>'
                    || '|<codex_internal_context|<recommended_plugins>|<hook_prompt|<external_)',
                    'i')))), false) AS injected
    FROM codex_lines
    WHERE NOT (kind = 'event_msg' AND item_type = 'token_count')
);

-- A tool output is a string ("Exit code: N\n...", a JSON string {"output", "metadata":
-- {"exit_code"}}, or unified exec's "Process exited with code N") or a list of content items.
CREATE OR REPLACE TEMP TABLE codex_outputs AS
SELECT file_id, line_no, text,
    coalesce(try_cast(meta_exit AS INTEGER),
             try_cast(nullif(regexp_extract(text, '^\s*Exit code: (-?\d+)', 1), '') AS INTEGER),
             try_cast(nullif(regexp_extract(text, '(?m)^Process exited with code (-?\d+)', 1), '')
                      AS INTEGER)) AS exit_code,
    flagged
FROM (
    SELECT file_id, line_no,
        CASE
            WHEN kind_of = 'ARRAY' THEN array_to_string(list_transform(list_filter(
                    coalesce(try(from_json(output, '[{"type": "VARCHAR", "text": "VARCHAR"}]')), []),
                    x -> x.text IS NOT NULL), x -> x.text), chr(10))
            WHEN kind_of = 'OBJECT' THEN coalesce(output ->> '$.content', output ->> '$.output',
                                                 output::VARCHAR)
            WHEN wrapped IS NOT NULL THEN wrapped
            ELSE s
        END AS text,
        CASE WHEN wrapped IS NOT NULL THEN s::JSON ->> '$.metadata.exit_code' END AS meta_exit,
        coalesce(output ->> '$.success' = 'false', false)
            OR coalesce(try(s::JSON ->> '$.isError') = 'true', false) AS flagged
    FROM (
        SELECT file_id, line_no, output, json_type(output) AS kind_of, s,
            CASE WHEN starts_with(ltrim(s), '{')
                 THEN try(json_extract_string(s, '$.output')) END AS wrapped
        FROM (
            SELECT file_id, line_no, output,
                CASE WHEN json_type(output) = 'VARCHAR' THEN output ->> '$' END AS s
            FROM codex_items WHERE is_output
        )
    )
);

INSERT INTO raw_messages BY NAME
SELECT i.file_id, i.session_id, i.line_no, i.ordinal,
    i.item_id AS uuid,
    i.msg_type AS type, i.msg_subtype AS subtype,
    CASE WHEN i.kind = 'response_item' AND i.item_type = 'message' THEN i.role
         ELSE i.msg_type END AS role,
    CASE
        WHEN i.item_type = 'message' THEN nullif(array_to_string(list_transform(list_filter(
            coalesce(try(from_json(i.content, '[{"type": "VARCHAR", "text": "VARCHAR"}]')), []),
            c -> c.text IS NOT NULL AND c.type IN ('input_text', 'output_text', 'text')),
            c -> c.text), chr(10)), '')
        WHEN i.kind = 'compacted' THEN i.message
        WHEN i.kind = 'event_msg' THEN coalesce(i.message, i.reason)
    END AS text,
    CASE WHEN i.item_type = 'reasoning' THEN nullif(array_to_string(list_transform(list_filter(
        coalesce(try(from_json(i.summary, '[{"text": "VARCHAR"}]')), [])
            || coalesce(try(from_json(i.content, '[{"text": "VARCHAR"}]')), []),
        c -> c.text IS NOT NULL), c -> c.text), chr(10)), '') END AS thinking,
    i.ts,
    false AS is_sidechain,
    i.injected AS is_meta,
    false AS is_compact_summary,
    i.kind = 'event_msg' AND i.item_type = 'error' AS is_api_error,
    CASE WHEN i.msg_type = 'assistant' THEN i.cur_model END AS model,
    CASE WHEN i.kind = 'event_msg' AND i.item_type = 'error' THEN 'error' END AS level,
    i.cur_cwd AS cwd, i.cur_branch AS git_branch, i.cur_version AS cli_version,
    i.cur_entrypoint AS entrypoint,
    i.scope_id AS line_session_id,
    CASE WHEN i.is_call THEN 1 ELSE 0 END AS tool_use_count,
    CASE WHEN i.is_output THEN 1 ELSE 0 END AS tool_result_count,
    false AS has_usage
FROM codex_items i;

INSERT INTO raw_tool_uses BY NAME
SELECT file_id, session_id, line_no, ordinal, 0 AS block_index,
    coalesce(call_id, item_id) AS tool_use_id,
    CASE item_type WHEN 'local_shell_call' THEN 'local_shell'
                   WHEN 'web_search_call' THEN 'web_search' ELSE name END AS name,
    CASE
        WHEN item_type = 'function_call' AND json_type(arguments) = 'VARCHAR'
            THEN coalesce(try((arguments ->> '$')::JSON), arguments)::VARCHAR
        WHEN item_type = 'function_call' THEN arguments::VARCHAR
        WHEN item_type = 'custom_tool_call' THEN input::VARCHAR
        ELSE action::VARCHAR
    END AS input_json,
    ts, false AS is_sidechain
FROM codex_items WHERE is_call;

INSERT INTO raw_tool_results BY NAME
SELECT i.file_id, i.session_id, i.line_no, i.ordinal, 0 AS block_index,
    i.call_id AS tool_use_id, o.text AS result_text,
    coalesce(strlen(o.text), 0) AS result_length,
    coalesce(o.exit_code <> 0, false) OR o.flagged AS is_error,
    i.ts
FROM codex_items i
JOIN codex_outputs o USING (file_id, line_no);

-- Usage from token_count events. total_token_usage is cumulative and events repeat, so the
-- key is the cumulative total within the session (the latest session_meta): each increase is
-- counted once, with the amount of that response (last_token_usage). A fork's copy of its
-- parent's events carries the parent's session_meta and totals, so it matches the parent's
-- keys. cached_input_tokens is part of input_tokens and reasoning_output_tokens part of
-- output_tokens: input_tokens here is the uncached part.
INSERT INTO usage_events BY NAME
SELECT file_id, session_id, line_no, dedupe_key, ts, model, false AS is_sidechain,
    greatest(inp - cached, 0) AS input_tokens, output AS output_tokens,
    0 AS cache_creation_tokens, 0 AS cache_5m_tokens, 0 AS cache_1h_tokens,
    cached AS cache_read_tokens, reasoning AS reasoning_tokens,
    greatest(inp - cached, 0) + cached + output AS total_tokens
FROM (
    SELECT file_id, session_id, line_no, ts, cur_model AS model,
        CASE WHEN total_usage.total_tokens IS NOT NULL
             THEN 'codex:' || scope_id || ':' || concat_ws(':', total_usage.input_tokens,
                  total_usage.cached_input_tokens, total_usage.output_tokens,
                  total_usage.reasoning_output_tokens, total_usage.total_tokens)
             ELSE 'line:' || file_id || ':' || line_no END AS dedupe_key,
        -- the response's own usage, else (no last_token_usage) the step of the cumulative total
        coalesce(u.input_tokens, 0) AS inp,
        least(coalesce(u.cached_input_tokens, 0), coalesce(u.input_tokens, 0)) AS cached,
        coalesce(u.output_tokens, 0) AS output,
        coalesce(u.reasoning_output_tokens, 0) AS reasoning
    FROM (
        SELECT *,
            coalesce(
                CASE WHEN last_usage.total_tokens IS NOT NULL
                       OR last_usage.input_tokens IS NOT NULL THEN last_usage END,
                CASE WHEN total_usage.total_tokens IS NOT NULL THEN {
                    'input_tokens': total_usage.input_tokens
                        - coalesce(lag(total_usage.input_tokens) OVER w, 0),
                    'cached_input_tokens': total_usage.cached_input_tokens
                        - coalesce(lag(total_usage.cached_input_tokens) OVER w, 0),
                    'output_tokens': total_usage.output_tokens
                        - coalesce(lag(total_usage.output_tokens) OVER w, 0),
                    'reasoning_output_tokens': total_usage.reasoning_output_tokens
                        - coalesce(lag(total_usage.reasoning_output_tokens) OVER w, 0),
                    'total_tokens': total_usage.total_tokens
                        - coalesce(lag(total_usage.total_tokens) OVER w, 0)} END,
                flat_usage) AS u
        FROM codex_lines
        WHERE kind = 'event_msg' AND item_type = 'token_count'
          AND (total_usage.total_tokens IS NOT NULL OR last_usage.input_tokens IS NOT NULL
               OR flat_usage IS NOT NULL)
        WINDOW w AS (PARTITION BY file_id, scope_id ORDER BY line_no)
    )
);

DROP TABLE codex_lines;
DROP TABLE codex_items;
DROP TABLE codex_outputs;
