-- Sessions: one row per session id with the signals every report shows (see sessions in
-- schema.sql), for every session with a message or a response. Inputs: build_messages,
-- build_calls and build_silent (build_inputs.sql), tool_errors,
-- retry_loops, responses, files,
-- file_roles, usage_events, build_sessions, {build_files}. Output: their sessions rows, own_*
-- columns set and total_* equal to own_* (build_totals.sql adds the subagents' part).
-- getvariable('active_gap') is the gap (seconds) that starts a new activity block.
-- {materialized} is MATERIALIZED for a build of a few sessions (build.MATERIALIZE_UP_TO): each
-- CTE is then computed once, not inlined into its readers; the same rows, and a one-session
-- build (a live append) ~17% faster; for a large build it is empty (DuckDB inlines them, which
-- holds less in memory: a cold ingest of 1 GB peaked at 1,012 MB materialised, 871 MB not).
DELETE FROM sessions WHERE session_id IN (SELECT session_id FROM build_sessions);
INSERT INTO sessions BY NAME
WITH
kinds AS MATERIALIZED (
    SELECT session_id, ordinal, ts, type, subtype, text, cwd, git_branch, cli_version,
        line_session_id, agent_id, is_compact_summary, entrypoint,
        CASE
            WHEN is_api_error THEN 'api_error'
            WHEN type = 'assistant' THEN 'assistant'
            WHEN type = 'user' AND starts_with(ltrim(coalesce(text, '')),
                                              '[Request interrupted by user') THEN 'interrupt'
            WHEN type = 'system' AND subtype = 'turn_aborted' THEN 'interrupt'  -- Codex
            WHEN type = 'user' AND tool_result_count > 0 THEN 'tool_result'
            -- a slash command (/exit, /clear, /review, ...): typed, but not a turn to answer
            WHEN type = 'user' AND NOT is_meta
                 AND regexp_matches(coalesce(text, ''), '^\s*<command-name>') THEN 'command'
            -- typed by a person: not a local command's output, a background task's
            -- notification or a Stop hook's feedback (Claude Code writes those as user lines)
            WHEN type = 'user' AND NOT is_meta AND NOT is_compact_summary
                 AND NOT starts_with(coalesce(text, ''), '<local-command')
                 AND NOT starts_with(ltrim(coalesce(text, '')), '<task-notification>')
                 AND NOT starts_with(ltrim(coalesce(text, '')), 'Stop hook feedback:')
                THEN 'prompt'
        END AS kind
    FROM build_messages
),
msg AS MATERIALIZED (
    SELECT
        session_id,
        min(ts) AS started_at,
        max(ts) AS ended_at,
        count(*) AS messages,
        count(*) FILTER (kind IN ('prompt', 'command')) AS user_messages,
        count(*) FILTER (type = 'assistant') AS assistant_messages,
        count(*) FILTER (type = 'system') AS system_messages,
        count(*) FILTER (kind = 'command' OR (kind = 'prompt' AND regexp_matches(
            coalesce(text, ''), '^\s*/[A-Za-z]'))) AS slash_commands,
        greatest(count(*) FILTER (subtype = 'compact_boundary'),
                 count(*) FILTER (is_compact_summary)) AS compactions,
        count(*) FILTER (kind = 'interrupt') AS interrupt_messages,
        count(*) FILTER (kind = 'api_error') AS api_errors,
        -- how the conversation ended; trailing slash commands (/exit) do not count
        arg_max(kind, ordinal) FILTER (kind IS NOT NULL AND kind <> 'command') AS ended_with,
        arg_min(cwd, ordinal) FILTER (cwd IS NOT NULL) AS cwd,
        arg_min(git_branch, ordinal) FILTER (git_branch IS NOT NULL AND git_branch <> '')
            AS git_branch,
        arg_max(cli_version, ordinal) FILTER (cli_version IS NOT NULL) AS cli_version,
        arg_min(left(text, 500), ordinal) FILTER (
            kind = 'prompt' AND text IS NOT NULL AND NOT starts_with(text, 'Caveat:'))
            AS first_prompt,
        mode(line_session_id) AS line_session_id,
        arg_max(entrypoint, ordinal) FILTER (entrypoint IS NOT NULL) AS entrypoint,
        mode(agent_id) AS line_agent_id,
        list(DISTINCT cwd) FILTER (cwd IS NOT NULL) AS cwds
    FROM kinds
    GROUP BY session_id
),
-- gaps in whole microseconds, summed exactly: a sum of seconds as DOUBLE depends in its last
-- digits on the order the rows arrive in (threads, storage, appends); this does not, and
-- subtracting microseconds costs a tenth of subtracting TIMESTAMPTZ values (ICU arithmetic)
gaps AS {materialized} (
    SELECT session_id,
        epoch_us(ts) - lag(epoch_us(ts)) OVER (PARTITION BY session_id ORDER BY ts) AS gap_us
    FROM (SELECT session_id, ts FROM kinds WHERE ts IS NOT NULL
          UNION ALL SELECT session_id, ts FROM build_silent)
),
-- the span of a session with responses and no message (build_inputs.sql)
silent_span AS {materialized} (
    SELECT session_id, min(ts) AS started_at, max(ts) AS ended_at
    FROM build_silent GROUP BY session_id
),
activity AS {materialized} (
    SELECT session_id,
        coalesce(sum(gap_us) FILTER (gap_us <= getvariable('active_gap') * 1000000), 0)
            / 1000000 AS active_seconds,
        1 + count(*) FILTER (gap_us > getvariable('active_gap') * 1000000) AS activity_blocks
    FROM gaps
    GROUP BY session_id
),
seq AS MATERIALIZED (
    SELECT u.session_id, u.name, u.input_json, u.ordinal,
        e.ordinal IS NOT NULL AS failed,
        row_number() OVER w AS pos,
        lead(u.name, 1) OVER w AS next1,
        lead(u.name, 2) OVER w AS next2
    FROM build_calls u
    LEFT JOIN (SELECT * FROM tool_errors WHERE file_id IN {build_files}) e
        ON e.session_id = u.session_id AND e.ordinal = u.ordinal
       AND e.block_index = u.block_index
    WINDOW w AS (PARTITION BY u.session_id ORDER BY u.ordinal, u.block_index)
),
streaks AS {materialized} (
    SELECT session_id, count(*) AS n, max(pos) AS last_pos
    FROM (SELECT session_id, pos,
                 pos - row_number() OVER (PARTITION BY session_id ORDER BY pos) AS grp
          FROM seq WHERE failed)
    GROUP BY session_id, grp
),
calls AS MATERIALIZED (
    SELECT session_id,
        count(*) AS tool_calls,
        count(*) FILTER (failed) AS tool_errors,
        count(*) FILTER (failed AND (next1 = name OR next2 = name)) AS error_retries,
        count(*) FILTER (name = 'Skill') AS skill_calls,
        count(DISTINCT coalesce(json_extract_string(input_json, '$.skill'),
                                json_extract_string(input_json, '$.command')))
            FILTER (name = 'Skill') AS distinct_skills,
        count(*) FILTER (name IN ('Task', 'Agent')) AS subagent_calls,
        count(*) FILTER (starts_with(name, 'mcp__')) AS mcp_calls,
        count(DISTINCT name) AS distinct_tools,
        max(pos) AS last_pos
    FROM seq
    GROUP BY session_id
),
streak_stats AS {materialized} (
    SELECT c.session_id, coalesce(max(s.n), 0) AS max_failure_streak,
        coalesce(max(s.n) FILTER (s.last_pos = c.last_pos), 0) AS final_failure_streak
    FROM calls c LEFT JOIN streaks s USING (session_id)
    GROUP BY c.session_id
),
-- edit churn: one file edited >= 3 times within 10 messages; clusters of edits to a file
-- closer than 10 messages count once
edits AS {materialized} (
    SELECT session_id, ordinal, coalesce(json_extract_string(input_json, '$.file_path'),
                                      json_extract_string(input_json, '$.notebook_path'),
                                      json_extract_string(input_json, '$.path')) AS path
    FROM build_calls
    WHERE name IN ('Edit', 'MultiEdit', 'Write', 'NotebookEdit', 'write_file', 'replace')
    UNION ALL
    SELECT session_id, ordinal, unnest(regexp_extract_all(
        input_json, '\*\*\* (?:Update|Add) File: ([^\n\\"]+)', 1)) AS path
    FROM build_calls
    WHERE name = 'apply_patch'
),
edit_marks AS {materialized} (
    SELECT session_id, path, ordinal,
        lead(ordinal, 2) OVER w - ordinal <= 10 AS starts_window,
        CASE WHEN ordinal - lag(ordinal) OVER w <= 10 THEN 0 ELSE 1 END AS new_cluster
    FROM edits
    WHERE path IS NOT NULL
    WINDOW w AS (PARTITION BY session_id, path ORDER BY ordinal)
),
churn AS {materialized} (
    SELECT session_id, count(DISTINCT (path, cluster)) FILTER (starts_window) AS edit_churn
    FROM (SELECT *, sum(new_cluster) OVER (PARTITION BY session_id, path ORDER BY ordinal)
                    AS cluster FROM edit_marks)
    GROUP BY session_id
),
-- a tool call the person cancelled (Gemini writes no interruption message)
cancelled AS {materialized} (
    SELECT session_id, count(*) AS n
    FROM build_calls
    WHERE starts_with(coalesce(result_text, ''), '[Operation Cancelled]')
    GROUP BY session_id
),
loops AS {materialized} (
    SELECT session_id, count(*) AS retry_loops
    FROM retry_loops WHERE session_id IN (SELECT session_id FROM build_sessions)
    GROUP BY session_id
),
-- the session's own responses (build_responses.sql), summed per model; costs as decimals, so
-- the sum does not depend on the order the rows arrive in
model_use AS MATERIALIZED (
    SELECT session_id, model, count(*) AS n,
        sum(CAST(cost_usd AS DECIMAL(38, 12))) AS cost_usd,
        count(*) FILTER (price_key IS NULL) AS unpriced,
        sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
        sum(cache_creation_tokens) AS cache_creation_tokens,
        sum(cache_5m_tokens) AS cache_5m_tokens, sum(cache_1h_tokens) AS cache_1h_tokens,
        sum(cache_read_tokens) AS cache_read_tokens, sum(reasoning_tokens) AS reasoning_tokens,
        sum(total_tokens) AS total_tokens
    FROM responses
    WHERE session_id IN (SELECT session_id FROM build_sessions)
    GROUP BY session_id, model
),
tok AS {materialized} (
    SELECT session_id, sum(n) AS responses, sum(cost_usd) AS cost_usd,
        sum(unpriced) AS unpriced,
        coalesce(list(DISTINCT coalesce(model, 'unknown') ORDER BY coalesce(model, 'unknown'))
            FILTER (unpriced > 0 AND total_tokens > 0), []) AS unpriced_models,
        sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
        sum(cache_creation_tokens) AS cache_creation_tokens,
        sum(cache_5m_tokens) AS cache_5m_tokens, sum(cache_1h_tokens) AS cache_1h_tokens,
        sum(cache_read_tokens) AS cache_read_tokens, sum(reasoning_tokens) AS reasoning_tokens,
        sum(total_tokens) AS total_tokens
    FROM model_use GROUP BY session_id
),
models AS {materialized} (
    SELECT session_id, arg_max(model, (n, output_tokens)) AS primary_model,
        list(model ORDER BY n DESC, model) AS models
    FROM model_use WHERE model IS NOT NULL GROUP BY session_id
),
-- subagent type/description as written by the parent's Task/Agent call
spawns AS MATERIALIZED (
    SELECT r.agent_id,
        any_value(json_extract_string(u.input_json, '$.subagent_type')) AS agent_type,
        any_value(json_extract_string(u.input_json, '$.description')) AS description
    FROM raw_tool_results r
    JOIN raw_tool_uses u ON u.file_id = r.file_id AND u.tool_use_id = r.tool_use_id
    -- the spawning call is in the parent's file, and a subagent's parent is built with it
    WHERE r.agent_id IS NOT NULL AND r.file_id IN {build_files}
    GROUP BY r.agent_id
),
primary_files AS {materialized} (
    SELECT f.*, count(*) OVER (PARTITION BY f.session_id) AS n_files_
    FROM file_roles r JOIN files f USING (file_id)
    WHERE r.session_id IN (SELECT session_id FROM build_sessions)
    QUALIFY r.rank = 1
),
base AS {materialized} (
    SELECT
        f.session_id, f.file_id, f.n_files_ AS files, f.agent, f.user_name, f.machine,
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
        coalesce(m.started_at, sp.started_at) AS started_at,
        coalesce(m.ended_at, sp.ended_at) AS ended_at,
        epoch(coalesce(m.ended_at, sp.ended_at) - coalesce(m.started_at, sp.started_at))
            AS wall_seconds,
        coalesce(a.active_seconds, 0) AS active_seconds,
        coalesce(a.activity_blocks, 0) AS activity_blocks,
        coalesce(m.messages, 0) AS messages, coalesce(m.user_messages, 0) AS user_messages,
        coalesce(m.assistant_messages, 0) AS assistant_messages,
        coalesce(m.system_messages, 0) AS system_messages,
        coalesce(m.slash_commands, 0) AS slash_commands,
        coalesce(m.compactions, 0) AS compactions, coalesce(m.api_errors, 0) AS api_errors,
        m.ended_with,
        coalesce(m.interrupt_messages, 0) + coalesce(cx.n, 0) AS interruptions,
        m.first_prompt,
        m.entrypoint,
        -- automated: started without a person at the keyboard. Claude Code's entrypoint
        -- sdk-cli (claude -p) and sdk-ts / sdk-py (the Agent SDK); Codex's session_meta
        -- source exec (codex exec) or mcp (codex as an MCP server), or an originator
        -- codex_exec* / codex_sdk*. Interactive: cli, claude-vscode, vscode, codex_cli_rs, ...
        -- Gemini CLI writes no such field: never automated.
        coalesce(starts_with(m.entrypoint, 'sdk') OR m.entrypoint IN ('exec', 'mcp')
                 OR starts_with(m.entrypoint, 'codex_exec')
                 OR starts_with(m.entrypoint, 'codex_sdk'), false) AS automated,
        coalesce(c.tool_calls, 0) AS tool_calls,
        coalesce(c.tool_errors, 0) AS tool_errors,
        coalesce(c.error_retries, 0) AS error_retries,
        coalesce(c.skill_calls, 0) AS skill_calls,
        coalesce(c.distinct_skills, 0) AS distinct_skills,
        coalesce(c.subagent_calls, 0) AS subagent_calls,
        coalesce(c.mcp_calls, 0) AS mcp_calls,
        coalesce(c.distinct_tools, 0) AS distinct_tools,
        coalesce(ss.max_failure_streak, 0) AS max_failure_streak,
        coalesce(ss.final_failure_streak, 0) AS final_failure_streak,
        coalesce(ch.edit_churn, 0) AS edit_churn,
        coalesce(l.retry_loops, 0) AS retry_loops,
        f.meta_agent_type, f.meta_description
    FROM primary_files f
    -- a session has a row when it has a message or a response (build_silent)
    LEFT JOIN msg m USING (session_id)
    LEFT JOIN silent_span sp USING (session_id)
    LEFT JOIN activity a USING (session_id)
    LEFT JOIN calls c USING (session_id)
    LEFT JOIN streak_stats ss USING (session_id)
    LEFT JOIN churn ch USING (session_id)
    LEFT JOIN loops l USING (session_id)
    LEFT JOIN cancelled cx USING (session_id)
    WHERE m.messages IS NOT NULL OR f.session_id IN (SELECT session_id FROM tok)
),
judged AS {materialized} (
    SELECT *,
        CASE
            WHEN ended_with IS NULL THEN 'unknown'
            WHEN final_failure_streak >= 3 OR ended_with = 'api_error' THEN 'errored'
            WHEN ended_with IN ('prompt', 'interrupt', 'tool_result') THEN 'abandoned'
            ELSE 'completed'
        END AS outcome
    FROM base
),
scored AS {materialized} (
    SELECT *,
        list_filter([
            {'rule': 'errored', 'count': (outcome = 'errored')::BIGINT,
             'points': CASE WHEN outcome = 'errored' THEN 30 ELSE 0 END},
            {'rule': 'abandoned', 'count': (outcome = 'abandoned')::BIGINT,
             'points': CASE WHEN outcome = 'abandoned' THEN 15 ELSE 0 END},
            {'rule': 'tool_failures', 'count': tool_errors,
             'points': least(30, 3 * tool_errors)::INTEGER},
            {'rule': 'retries', 'count': error_retries,
             'points': least(25, 5 * error_retries)::INTEGER},
            {'rule': 'edit_churn', 'count': edit_churn,
             'points': least(20, 4 * edit_churn)::INTEGER},
            {'rule': 'failure_streak', 'count': max_failure_streak,
             'points': CASE WHEN max_failure_streak >= 3 THEN 10 ELSE 0 END},
            {'rule': 'compactions', 'count': compactions,
             'points': least(15, 5 * greatest(compactions - 1, 0))::INTEGER}
        ], p -> p.points > 0)::STRUCT(rule VARCHAR, count BIGINT, points INTEGER)[] AS penalties
    FROM judged
),
built AS {materialized} (
    SELECT
        b.* EXCLUDE (meta_agent_type, meta_description),
        nullif(regexp_extract(rtrim(b.project_path, '/\'), '([^/\\]+)$', 1), '') AS project,
        CASE WHEN b.is_subagent THEN coalesce(b.meta_agent_type, s.agent_type) END AS agent_type,
        CASE WHEN b.is_subagent THEN coalesce(b.meta_description, s.description) END
            AS agent_description,
        greatest(0, 100 - coalesce(list_sum(list_transform(b.penalties, p -> p.points)), 0))
            ::INTEGER AS health_score,
        CASE
            WHEN health_score >= 90 THEN 'A'
            WHEN health_score >= 75 THEN 'B'
            WHEN health_score >= 60 THEN 'C'
            WHEN health_score >= 40 THEN 'D'
            ELSE 'F'
        END AS health_grade
    FROM scored b
    LEFT JOIN spawns s ON s.agent_id = b.agent_id
    UNION ALL BY NAME
    -- a subagent known only from the copies of its responses in the parent (agent_progress)
    SELECT o.session_id, NULL::INTEGER AS file_id, 0 AS files, 'claude' AS agent,
        coalesce(p.user_name, 'unknown') AS user_name,
        coalesce(p.machine, getvariable('wb_machine'), 'unknown') AS machine,
        NULL AS project_path, NULL AS cwd, NULL AS git_branch, NULL AS cli_version,
        true AS is_subagent,
        o.parent_session_id, substr(o.session_id, 7) AS agent_id, NULL AS source_path,
        true AS source_missing, o.started_at, o.ended_at,
        epoch(o.ended_at - o.started_at) AS wall_seconds, 0.0 AS active_seconds,
        0 AS activity_blocks, 0 AS messages, 0 AS user_messages, 0 AS assistant_messages,
        0 AS system_messages, 0 AS slash_commands, 0 AS compactions, 0 AS api_errors,
        NULL AS ended_with, 0 AS interruptions, NULL AS first_prompt,
        NULL AS entrypoint, false AS automated, 0 AS tool_calls,
        0 AS tool_errors, 0 AS error_retries, 0 AS skill_calls, 0 AS distinct_skills,
        0 AS subagent_calls, 0 AS mcp_calls, 0 AS distinct_tools, 0 AS max_failure_streak,
        0 AS final_failure_streak, 0 AS edit_churn, 0 AS retry_loops, 'unknown' AS outcome,
        []::STRUCT(rule VARCHAR, count BIGINT, points INTEGER)[] AS penalties,
        NULL AS project,
        s.agent_type, s.description AS agent_description, 100 AS health_score,
        'A' AS health_grade
    FROM (
        SELECT e.session_id, any_value(e.parent_session_id) AS parent_session_id,
            min(e.ts) AS started_at, max(e.ts) AS ended_at
        FROM usage_events e
        WHERE e.session_id IN (SELECT session_id FROM build_sessions)
          AND e.parent_session_id IS NOT NULL
          AND e.session_id NOT IN (SELECT session_id FROM files)
        GROUP BY e.session_id
    ) o
    LEFT JOIN (SELECT session_id, any_value(user_name) AS user_name,
                   any_value(machine) AS machine FROM files
               GROUP BY session_id) p ON p.session_id = o.parent_session_id
    LEFT JOIN spawns s ON 'agent-' || s.agent_id = o.session_id
)
SELECT r.*,
    CASE WHEN r.is_subagent AND r.parent_session_id IS NOT NULL
         THEN r.parent_session_id ELSE r.session_id END AS root_session_id,
    md.primary_model, coalesce(md.models, []) AS models,
    coalesce(t.responses, 0) AS own_responses,
    coalesce(t.input_tokens, 0) AS own_input_tokens,
    coalesce(t.output_tokens, 0) AS own_output_tokens,
    coalesce(t.cache_creation_tokens, 0) AS own_cache_creation_tokens,
    coalesce(t.cache_5m_tokens, 0) AS own_cache_5m_tokens,
    coalesce(t.cache_1h_tokens, 0) AS own_cache_1h_tokens,
    coalesce(t.cache_read_tokens, 0) AS own_cache_read_tokens,
    coalesce(t.reasoning_tokens, 0) AS own_reasoning_tokens,
    coalesce(t.total_tokens, 0) AS own_total_tokens,
    t.cost_usd AS own_cost_usd,
    coalesce(t.unpriced, 0) AS own_unpriced_responses,
    coalesce(t.responses, 0) AS total_responses,
    coalesce(t.input_tokens, 0) AS total_input_tokens,
    coalesce(t.output_tokens, 0) AS total_output_tokens,
    coalesce(t.cache_creation_tokens, 0) AS total_cache_creation_tokens,
    coalesce(t.cache_5m_tokens, 0) AS total_cache_5m_tokens,
    coalesce(t.cache_1h_tokens, 0) AS total_cache_1h_tokens,
    coalesce(t.cache_read_tokens, 0) AS total_cache_read_tokens,
    coalesce(t.reasoning_tokens, 0) AS total_reasoning_tokens,
    coalesce(t.total_tokens, 0) AS total_total_tokens,
    t.cost_usd AS total_cost_usd,
    coalesce(t.unpriced, 0) AS total_unpriced_responses,
    coalesce(t.unpriced_models, []) AS unpriced_models
FROM built r
LEFT JOIN models md USING (session_id)
LEFT JOIN tok t USING (session_id);
