-- Claude Code: the values a parse refused (kept as NULL there), worded for the bad_values
-- table, one row per value: (file_id, line_no, field, reason, excerpt). Input: parsed, its
-- lines flagged has_bad_values (ingest_claude_parse.sql), from their text (raw_line) and its
-- has_usage and usage_kind. The loader runs it only when a line is flagged: the checks are
-- those of ingest_checks.sql (wb_*), and binding them all is costly.
INSERT INTO bad_values
SELECT file_id, line_no, v.field, v.reason, v.excerpt
FROM (
    SELECT file_id, line_no, unnest(list_filter([
        wb_bad('timestamp', wb_ts_problem(j.timestamp, has_usage), to_json(j.timestamp)),
        wb_bad('message.usage', CASE WHEN usage_kind <> 'OBJECT'
            THEN 'not an object (got ' || wb_json_kind(json_extract(line, '$.message.usage'))
                 || ')' END, json_extract(line, '$.message.usage')),
        wb_bad('message.usage.input_tokens',
            wb_token_problem(j.message.usage.input_tokens), j.message.usage.input_tokens),
        wb_bad('message.usage.output_tokens',
            wb_token_problem(j.message.usage.output_tokens), j.message.usage.output_tokens),
        wb_bad('message.usage.cache_creation_input_tokens',
            wb_token_problem(j.message.usage.cache_creation_input_tokens),
            j.message.usage.cache_creation_input_tokens),
        wb_bad('message.usage.cache_creation.ephemeral_5m_input_tokens',
            wb_token_problem(j.message.usage.cache_creation.ephemeral_5m_input_tokens),
            j.message.usage.cache_creation.ephemeral_5m_input_tokens),
        wb_bad('message.usage.cache_creation.ephemeral_1h_input_tokens',
            wb_token_problem(j.message.usage.cache_creation.ephemeral_1h_input_tokens),
            j.message.usage.cache_creation.ephemeral_1h_input_tokens),
        wb_bad('message.usage.cache_read_input_tokens',
            wb_token_problem(j.message.usage.cache_read_input_tokens),
            j.message.usage.cache_read_input_tokens)], x -> x IS NOT NULL)) AS v
    FROM (
        SELECT file_id, line_no, has_usage, usage_kind, raw_line AS line,
            try(from_json(raw_line, '{
                "timestamp": "VARCHAR",
                "message": {"usage": {
                    "input_tokens": "JSON", "output_tokens": "JSON",
                    "cache_creation_input_tokens": "JSON", "cache_read_input_tokens": "JSON",
                    "cache_creation": {
                        "ephemeral_5m_input_tokens": "JSON", "ephemeral_1h_input_tokens": "JSON"
                    }
                }}
            }')) AS j
        FROM parsed
        WHERE has_bad_values
    )
)
