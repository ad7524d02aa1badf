-- Attribution and totals. Inputs: sessions, responses, build_sessions. Outputs: the
-- responses of the rebuilt sessions get their session's root, user, project, agent and machine (a
-- subagent's are its root session's); the root sessions among them, and the roots they
-- belonged to before, get total_* = own + their subagents'.
CREATE OR REPLACE TEMP TABLE build_roots AS
SELECT DISTINCT root_session_id AS session_id FROM responses
WHERE session_id IN (SELECT session_id FROM build_sessions)
UNION
SELECT root_session_id FROM sessions WHERE session_id IN (SELECT session_id FROM build_sessions);

UPDATE responses SET
    root_session_id = s.root_session_id, user_name = coalesce(root.user_name, s.user_name),
    project = coalesce(root.project, s.project), agent = s.agent, machine = s.machine
FROM sessions s
LEFT JOIN sessions root ON root.session_id = s.root_session_id
WHERE responses.session_id = s.session_id
  AND s.session_id IN (SELECT session_id FROM build_sessions);

INSERT INTO build_roots
SELECT DISTINCT root_session_id FROM responses
WHERE session_id IN (SELECT session_id FROM build_sessions)
  AND root_session_id NOT IN (SELECT session_id FROM build_roots);

UPDATE sessions SET
    total_responses = t.responses, total_input_tokens = t.input_tokens,
    total_output_tokens = t.output_tokens, total_cache_creation_tokens = t.cache_creation_tokens,
    total_cache_5m_tokens = t.cache_5m_tokens, total_cache_1h_tokens = t.cache_1h_tokens,
    total_cache_read_tokens = t.cache_read_tokens, total_reasoning_tokens = t.reasoning_tokens,
    total_total_tokens = t.total_tokens, total_cost_usd = t.cost_usd,
    total_unpriced_responses = t.unpriced, unpriced_models = t.unpriced_models
FROM (
    SELECT root_session_id, count(*) AS responses,
        sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
        sum(cache_creation_tokens) AS cache_creation_tokens,
        sum(cache_5m_tokens) AS cache_5m_tokens, sum(cache_1h_tokens) AS cache_1h_tokens,
        sum(cache_read_tokens) AS cache_read_tokens, sum(reasoning_tokens) AS reasoning_tokens,
        sum(total_tokens) AS total_tokens,
        sum(CAST(cost_usd AS DECIMAL(38, 12))) AS cost_usd,  -- exact: any row order
        count(*) FILTER (price_key IS NULL) AS unpriced,
        coalesce(list(DISTINCT coalesce(model, 'unknown') ORDER BY coalesce(model, 'unknown'))
            FILTER (price_key IS NULL AND total_tokens > 0), []) AS unpriced_models
    FROM responses
    WHERE root_session_id IN (SELECT session_id FROM build_roots)
    GROUP BY root_session_id
) t
WHERE sessions.session_id = t.root_session_id AND NOT sessions.is_subagent;

DROP TABLE build_roots;
