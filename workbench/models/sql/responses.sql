-- Deduplicated API responses with the session they belong to: the base of every token and
-- cost report. root_session_id rolls a subagent up into the session that spawned it.
SELECT
    r.*,
    s.agent, s.user_name, s.project, s.project_path, s.is_subagent,
    CASE WHEN s.is_subagent AND s.parent_session_id IS NOT NULL
         THEN s.parent_session_id ELSE r.session_id END AS root_session_id
FROM api_responses r
LEFT JOIN sessions s USING (session_id)
