-- The messages and tool calls of the files a build touches, taken once for the steps after
-- this one. Inputs: messages, tool_calls (build_tool_calls.sql), responses
-- (build_responses.sql), files, {build_files}; {relation} is TABLE for a build of some files
-- (a copy of their rows) and VIEW for a full build (no copy). Outputs (temp): build_messages,
-- build_calls, build_silent.
-- (the columns the later steps read: a copy of every column, thinking and raw lines included,
-- took three times as long)
CREATE OR REPLACE TEMP {relation} build_messages AS
SELECT session_id, ordinal, ts, type, subtype, text, is_meta, is_compact_summary, is_api_error,
    tool_result_count, cwd, git_branch, cli_version, line_session_id, agent_id, entrypoint
FROM messages WHERE file_id IN {build_files};

CREATE OR REPLACE TEMP {relation} build_calls AS
SELECT * FROM tool_calls WHERE file_id IN {build_files};

-- A session with responses and no message (a Codex rollout of token counts alone): its
-- responses' times, which stand in for the messages' times (its span, its activity), so that
-- it has a sessions row and a place in every period, as its tokens have.
CREATE OR REPLACE TEMP {relation} build_silent AS
SELECT session_id, ts FROM responses
WHERE file_id IN {build_files} AND ts IS NOT NULL
  AND session_id IN (SELECT session_id FROM files WHERE file_id IN {build_files})
  AND session_id NOT IN (SELECT session_id FROM build_messages);
