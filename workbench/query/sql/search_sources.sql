-- Every searchable text with where it came from: prompts and replies, thinking, tool inputs,
-- tool outputs (one copy per session: the messages and tool_calls views). Inputs: messages,
-- tool_calls. workbench.query.search filters it with an RE2 pattern.
SELECT session_id, ordinal, type AS kind, NULL::VARCHAR AS tool_name, ts, text AS body
FROM messages WHERE text IS NOT NULL
UNION ALL
SELECT session_id, ordinal, 'thinking', NULL, ts, thinking
FROM messages WHERE thinking IS NOT NULL
UNION ALL
SELECT session_id, ordinal, 'tool_input', name, ts, input_json
FROM tool_calls
UNION ALL
SELECT session_id, result_ordinal, 'tool_output', name, result_ts, result_text
FROM tool_calls WHERE result_text IS NOT NULL
