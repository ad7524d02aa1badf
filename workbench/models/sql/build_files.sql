-- The files of the sessions a build touches. Inputs: build_sessions (as build_scope.sql and
-- build_responses.sql left it), files, changed_files. Output (temp): build_files(file_id).
CREATE OR REPLACE TEMP TABLE build_files AS
SELECT file_id FROM files WHERE session_id IN (SELECT session_id FROM build_sessions)
UNION SELECT file_id FROM changed_files;
