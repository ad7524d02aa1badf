-- Derived tables, recomputed after an ingest that changed anything.

-- Token accounting: one row per API response. Claude Code writes a line per content block of a
-- streamed response, each repeating usage (early ones with partial output_tokens), and subagent
-- or resumed files can repeat a parent's responses. Keep, across all files, the copy with the
-- largest token total, the non-sidechain copy on a tie.
DELETE FROM api_responses;
INSERT INTO api_responses
SELECT * FROM usage_lines
QUALIFY row_number() OVER (
    PARTITION BY dedupe_key
    ORDER BY total_tokens DESC, is_sidechain, output_tokens DESC, ts NULLS LAST, file_id, line_no
) = 1;

DELETE FROM sessions;
INSERT INTO sessions BY NAME
WITH
msg AS (
    SELECT
        file_id,
        min(ts) AS started_at,
        max(ts) AS ended_at,
        count(*) AS messages,
        count(*) FILTER (type = 'user' AND NOT is_meta AND tool_result_count = 0
                         AND NOT is_compact_summary
                         AND NOT starts_with(coalesce(text, ''), '<local-command-stdout>'))
            AS user_messages,
        count(*) FILTER (type = 'assistant') AS assistant_messages,
        count(*) FILTER (type = 'system') AS system_messages,
        arg_min(cwd, ordinal) FILTER (cwd IS NOT NULL) AS cwd,
        arg_min(git_branch, ordinal) FILTER (git_branch IS NOT NULL AND git_branch <> '')
            AS git_branch,
        arg_max(cli_version, ordinal) FILTER (cli_version IS NOT NULL) AS cli_version,
        arg_min(left(text, 500), ordinal) FILTER (
            type = 'user' AND NOT is_meta AND tool_result_count = 0 AND NOT is_compact_summary
            AND text IS NOT NULL AND NOT starts_with(text, '<local-command')
            AND NOT starts_with(text, 'Caveat:')) AS first_prompt,
        mode(line_session_id) AS line_session_id,
        mode(agent_id) AS line_agent_id,
        list(DISTINCT cwd) FILTER (cwd IS NOT NULL) AS cwds
    FROM messages
    GROUP BY file_id
),
calls AS (
    SELECT file_id, count(*) AS tool_calls FROM tool_uses GROUP BY file_id
),
errs AS (
    SELECT file_id, count(*) FILTER (is_error) AS tool_errors FROM tool_results GROUP BY file_id
),
model_use AS (
    SELECT file_id, model, count(*) AS n, sum(output_tokens) AS out
    FROM api_responses WHERE model IS NOT NULL
    GROUP BY file_id, model
),
tok AS (
    SELECT file_id, count(*) AS api_responses,
        sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
        sum(cache_creation_tokens) AS cache_creation_tokens,
        sum(cache_5m_tokens) AS cache_5m_tokens, sum(cache_1h_tokens) AS cache_1h_tokens,
        sum(cache_read_tokens) AS cache_read_tokens, sum(total_tokens) AS total_tokens
    FROM api_responses GROUP BY file_id
),
models AS (
    SELECT file_id, arg_max(model, (n, out)) AS primary_model, list(model ORDER BY n DESC, model)
        AS models
    FROM model_use GROUP BY file_id
),
-- subagent type/description as written by the parent's Task/Agent call
spawns AS (
    SELECT r.agent_id,
        any_value(json_extract_string(u.input_json, '$.subagent_type')) AS agent_type,
        any_value(json_extract_string(u.input_json, '$.description')) AS description
    FROM tool_results r
    JOIN tool_uses u ON u.file_id = r.file_id AND u.tool_use_id = r.tool_use_id
    WHERE r.agent_id IS NOT NULL
    GROUP BY r.agent_id
),
base AS (
    SELECT
        f.session_id, f.file_id, f.agent, f.user_name,
        -- the folder name is the launch cwd with every non-alphanumeric replaced by '-'
        coalesce(
            list_filter(m.cwds, c -> regexp_replace(c, '[^A-Za-z0-9]', '-', 'g') = f.project_dir)[1],
            m.cwd,
            CASE WHEN f.project_dir IS NOT NULL THEN replace(f.project_dir, '-', '/') END
        ) AS project_path,
        m.cwd, m.git_branch, m.cli_version,
        f.kind = 'subagent' AS is_subagent,
        CASE WHEN f.kind = 'subagent'
             THEN coalesce(f.parent_session_id, m.line_session_id) END AS parent_session_id,
        coalesce(f.agent_id, m.line_agent_id) AS agent_id,
        f.path AS source_path, f.missing AS source_missing,
        m.started_at, m.ended_at, m.messages, m.user_messages, m.assistant_messages,
        m.system_messages, m.first_prompt,
        f.meta_agent_type, f.meta_description, f.size_bytes
    FROM files f
    JOIN msg m USING (file_id)
)
SELECT
    b.* EXCLUDE (meta_agent_type, meta_description, size_bytes),
    nullif(regexp_extract(rtrim(b.project_path, '/\'), '([^/\\]+)$', 1), '') AS project,
    CASE WHEN b.is_subagent THEN coalesce(b.meta_agent_type, s.agent_type) END AS agent_type,
    CASE WHEN b.is_subagent THEN coalesce(b.meta_description, s.description) END
        AS agent_description,
    coalesce(c.tool_calls, 0) AS tool_calls,
    coalesce(e.tool_errors, 0) AS tool_errors,
    md.primary_model, coalesce(md.models, []) AS models,
    coalesce(t.api_responses, 0) AS api_responses,
    coalesce(t.input_tokens, 0) AS input_tokens,
    coalesce(t.output_tokens, 0) AS output_tokens,
    coalesce(t.cache_creation_tokens, 0) AS cache_creation_tokens,
    coalesce(t.cache_5m_tokens, 0) AS cache_5m_tokens,
    coalesce(t.cache_1h_tokens, 0) AS cache_1h_tokens,
    coalesce(t.cache_read_tokens, 0) AS cache_read_tokens,
    coalesce(t.total_tokens, 0) AS total_tokens
FROM base b
LEFT JOIN spawns s ON s.agent_id = b.agent_id
LEFT JOIN calls c USING (file_id)
LEFT JOIN errs e USING (file_id)
LEFT JOIN models md USING (file_id)
LEFT JOIN tok t USING (file_id)
-- two files claiming one session id (a copied transcript): keep the present, larger one
QUALIFY row_number() OVER (
    PARTITION BY b.session_id ORDER BY b.source_missing, b.size_bytes DESC, b.file_id
) = 1;
