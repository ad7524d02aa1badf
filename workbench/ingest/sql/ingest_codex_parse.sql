-- Codex CLI: parse one batch of rollout lines, once. Input raw_lines(file_id, line_no,
-- byte_offset, line, bad_reason). The loader keeps the result as the temp table `parsed` for
-- ingest_codex.sql: flat columns, polymorphic fields (content, output, ...) left as JSON.
--
-- A rollout line is {"timestamp", "type", "payload"} with type session_meta, turn_context,
-- response_item, event_msg or compacted. Rollouts before the wrapper (mid-2025) hold the bare
-- items: a first line {"id", "timestamp", "instructions", "git"}, then {"type": "message", ...}
-- lines and {"record_type": "state"} markers; those are read as well. Token counts and
-- timestamps pass the checks of ingest_checks.sql (wb_*): a bad value is kept as NULL and listed
-- in bad_values; a wrapped line of a type Codex does not write is a bad line.
SELECT
    file_id, line_no, byte_offset,
    CASE
        WHEN bad_reason IS NOT NULL THEN bad_reason
        WHEN j IS NULL THEN 'json'
        WHEN first_char <> '{' THEN 'not_object'
        WHEN kind IS NULL THEN 'object has no "type" field'
        WHEN j.payload IS NOT NULL AND kind NOT IN ('session_meta', 'turn_context',
            'response_item', 'event_msg', 'compacted') THEN 'type'
        WHEN kind IN ('session_meta', 'turn_context', 'response_item', 'event_msg', 'compacted')
             AND p IS NULL THEN kind || ' line has no payload object'
        WHEN kind = 'response_item' AND p.type IS NULL THEN 'response_item payload has no "type"'
        WHEN kind = 'response_item' AND p.type = 'message'
             AND coalesce(json_type(p.content), '') <> 'ARRAY'
            THEN 'message payload has no content list'
    END AS bad_kind,
    kind,
    p.type AS item_type,
    coalesce(j.timestamp, CASE WHEN kind = 'session_meta' THEN p.timestamp END) AS ts_text,
    wb_ts(ts_text) AS ts,
    p.id AS item_id,
    CASE WHEN kind = 'session_meta' THEN p.id END AS meta_id,
    CASE WHEN kind IN ('session_meta', 'turn_context') THEN p.cwd END AS cwd,
    CASE WHEN kind = 'session_meta' THEN p.cli_version END AS cli_version,
    CASE WHEN kind = 'session_meta' THEN p.git.branch END AS git_branch,
    -- how the rollout was started: session_meta.source when a string (cli, vscode, exec,
    -- mcp), else its originator (codex_cli_rs, codex_exec, ...)
    CASE WHEN kind = 'session_meta' THEN coalesce(
        CASE WHEN json_type(p.source) = 'VARCHAR' THEN p.source ->> '$' END, p.originator)
        END AS entrypoint,
    CASE WHEN kind = 'turn_context' THEN p.model END AS model,
    p.role, p.content, p.summary, p.name, p.arguments, p.call_id, p.input, p.output, p.status,
    p.action, p.message, p.reason,
    wb_codex_usage(p.info.total_token_usage) AS total_usage,
    wb_codex_usage(p.info.last_token_usage) AS last_usage,
    -- token_count before `info` existed: the payload itself is one response's usage
    CASE WHEN p.info IS NULL AND p.input_tokens IS NOT NULL THEN wb_codex_usage(p) END
        AS flat_usage,
    CASE WHEN bad_kind IS NULL AND (kind = 'event_msg' AND p.type = 'token_count'
                                    OR ts_text IS NOT NULL AND ts IS NULL)
        THEN list_filter(
            [wb_bad('timestamp', wb_ts_problem(ts_text, p.type = 'token_count'),
                    to_json(ts_text))]
            || CASE WHEN p.type = 'token_count' THEN
                wb_codex_problems('payload.info.total_token_usage.', p.info.total_token_usage)
                || wb_codex_problems('payload.info.last_token_usage.', p.info.last_token_usage)
                || wb_codex_problems('payload.', p) ELSE [] END,
            x -> x IS NOT NULL) END AS bad_values
FROM (
    SELECT *,
        CASE
            WHEN j.payload IS NOT NULL OR j.type IN ('session_meta', 'turn_context',
                'response_item', 'event_msg', 'compacted') THEN j.type
            WHEN j.record_type IS NOT NULL THEN 'state'
            WHEN j.type IS NOT NULL THEN 'response_item'    -- a bare item (mid-2025)
            WHEN j.id IS NOT NULL THEN 'session_meta'       -- a bare first line (mid-2025)
        END AS kind,
        -- the item: the payload, or the line itself for the bare shape (parsed a second time)
        CASE WHEN j.payload IS NOT NULL THEN j.payload
             WHEN j.payload IS NULL AND j.record_type IS NULL AND coalesce(j.type NOT IN (
                 'session_meta', 'turn_context', 'response_item', 'event_msg', 'compacted'),
                 true) THEN try(from_json(line, '{
                "type": "VARCHAR", "id": "VARCHAR", "timestamp": "VARCHAR", "role": "VARCHAR",
                "content": "JSON", "summary": "JSON", "name": "VARCHAR", "arguments": "JSON",
                "call_id": "VARCHAR", "input": "JSON", "output": "JSON", "status": "VARCHAR",
                "action": "JSON", "message": "VARCHAR", "reason": "VARCHAR", "cwd": "VARCHAR",
                "cli_version": "VARCHAR", "model": "VARCHAR", "git": {"branch": "VARCHAR"},
                "originator": "VARCHAR", "source": "JSON",
                "info": {"total_token_usage": {
                        "input_tokens": "JSON", "cached_input_tokens": "JSON",
                        "output_tokens": "JSON", "reasoning_output_tokens": "JSON",
                        "total_tokens": "JSON"}, "last_token_usage": {
                        "input_tokens": "JSON", "cached_input_tokens": "JSON",
                        "output_tokens": "JSON", "reasoning_output_tokens": "JSON",
                        "total_tokens": "JSON"}},
                "input_tokens": "JSON", "cached_input_tokens": "JSON",
                "output_tokens": "JSON", "reasoning_output_tokens": "JSON",
                "total_tokens": "JSON"}')) END AS p
    FROM (
        SELECT file_id, line_no, byte_offset, bad_reason, line,
            left(ltrim(left(line, 64)), 1) AS first_char,
            CASE WHEN bad_reason IS NULL THEN try(from_json(line, '{
                "timestamp": "VARCHAR", "type": "VARCHAR", "record_type": "VARCHAR",
                "id": "VARCHAR", "payload": {
                "type": "VARCHAR", "id": "VARCHAR", "timestamp": "VARCHAR", "role": "VARCHAR",
                "content": "JSON", "summary": "JSON", "name": "VARCHAR", "arguments": "JSON",
                "call_id": "VARCHAR", "input": "JSON", "output": "JSON", "status": "VARCHAR",
                "action": "JSON", "message": "VARCHAR", "reason": "VARCHAR", "cwd": "VARCHAR",
                "cli_version": "VARCHAR", "model": "VARCHAR", "git": {"branch": "VARCHAR"},
                "originator": "VARCHAR", "source": "JSON",
                "info": {"total_token_usage": {
                    "input_tokens": "JSON", "cached_input_tokens": "JSON",
                    "output_tokens": "JSON", "reasoning_output_tokens": "JSON",
                    "total_tokens": "JSON"}, "last_token_usage": {
                    "input_tokens": "JSON", "cached_input_tokens": "JSON",
                    "output_tokens": "JSON", "reasoning_output_tokens": "JSON",
                    "total_tokens": "JSON"}},
                "input_tokens": "JSON", "cached_input_tokens": "JSON",
                "output_tokens": "JSON", "reasoning_output_tokens": "JSON",
                "total_tokens": "JSON"}}')) END AS j
        FROM raw_lines
        -- blank lines are skipped (CASE evaluates trim only for short lines)
        WHERE CASE WHEN bad_reason IS NOT NULL OR strlen(line) > 256 THEN true
                   ELSE trim(line, ' ' || chr(9) || chr(10) || chr(13)) <> '' END
    )
)
