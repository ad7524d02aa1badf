-- What a build touches. Inputs: changed_files(file_id) (temp: the files this ingest wrote or
-- found gone), files, file_roles, sessions. Outputs (temp): build_sessions(session_id), the
-- sessions whose rows are rebuilt: those of the changed files (before and after, a re-read
-- file may name another session), the sessions they spawned and the ones that spawned them.
CREATE OR REPLACE TEMP TABLE build_sessions AS
WITH touched AS (
    SELECT session_id FROM files WHERE file_id IN (SELECT file_id FROM changed_files)
    UNION SELECT session_id FROM file_roles WHERE file_id IN (SELECT file_id FROM changed_files)
),
related AS (
    SELECT session_id FROM touched
    -- their subagents (a parent's Task result names the subagent's type)
    UNION SELECT session_id FROM sessions
        WHERE parent_session_id IN (SELECT session_id FROM touched)
    UNION SELECT session_id FROM files
        WHERE parent_session_id IN (SELECT session_id FROM touched)
    -- their parents (whose totals include them)
    UNION SELECT parent_session_id FROM sessions
        WHERE session_id IN (SELECT session_id FROM touched) AND parent_session_id IS NOT NULL
    UNION SELECT parent_session_id FROM files
        WHERE file_id IN (SELECT file_id FROM changed_files) AND parent_session_id IS NOT NULL
)
SELECT DISTINCT session_id FROM related WHERE session_id IS NOT NULL;
