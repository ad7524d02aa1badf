-- The messages and tool calls of the files a build touches, taken once for the steps after
-- this one. Inputs: messages, tool_calls (build_tool_calls.sql), {build_files}; {relation} is TABLE for a build of
-- some files (a copy of their rows) and VIEW for a full build (no copy). Outputs (temp):
-- build_messages, build_calls.
CREATE OR REPLACE TEMP {relation} build_messages AS
SELECT * FROM messages WHERE file_id IN {build_files};

CREATE OR REPLACE TEMP {relation} build_calls AS
SELECT * FROM tool_calls WHERE file_id IN {build_files};
