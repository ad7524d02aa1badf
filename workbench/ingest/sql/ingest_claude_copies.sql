-- Claude Code 2.x copies each subagent assistant turn into the parent transcript as a
-- progress line (agent_progress): each copy (parsed.agent_copy, ingest_claude_parse.sql) goes
-- to usage_events as a response of that subagent (session agent-<agentId>); the response key
-- dedupes it against the subagent's own file when that is there. Inputs: parsed, batch_files.
-- The loader runs it only when a line of the batch has a copy (its binding is most of the cost
-- of a small append's parse otherwise).
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
