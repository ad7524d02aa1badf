-- Which files make up each session (see file_roles in schema.sql). Inputs: build_sessions,
-- build_files, files, raw_messages. Outputs: file_roles and shadowed_messages rows of those
-- sessions and files.
DELETE FROM file_roles
WHERE session_id IN (SELECT session_id FROM build_sessions)
   OR file_id IN (SELECT file_id FROM build_files);
DELETE FROM shadowed_messages WHERE file_id IN (SELECT file_id FROM build_files);

CREATE OR REPLACE TEMP TABLE ranked_files AS
SELECT f.file_id, f.session_id,
    row_number() OVER (
        PARTITION BY f.session_id ORDER BY f.missing, f.size_bytes DESC, f.file_id) AS rank,
    count(*) OVER (PARTITION BY f.session_id) AS n_files
FROM files f
WHERE f.session_id IN (SELECT session_id FROM build_sessions);

-- Messages of sessions with more than one file, keyed by what they say: the same message in
-- two copies of a transcript has the same uuid (or the same time, type and text)
CREATE OR REPLACE TEMP TABLE keyed_messages AS
SELECT m.file_id, m.ordinal, m.ts, r.session_id, r.rank,
    coalesce(m.uuid, 't:' || coalesce(epoch_us(m.ts)::VARCHAR, '') || ':' || m.type || ':'
             || md5(coalesce(m.text, '') || coalesce(m.thinking, ''))) AS msg_key
FROM raw_messages m
JOIN ranked_files r ON r.file_id = m.file_id AND r.n_files > 1;

INSERT INTO shadowed_messages
SELECT k.file_id, k.ordinal
FROM keyed_messages k
WHERE EXISTS (
    SELECT 1 FROM keyed_messages h
    WHERE h.session_id = k.session_id AND h.msg_key = k.msg_key AND h.rank < k.rank
);

INSERT INTO file_roles
WITH counted AS (
    SELECT r.file_id, r.session_id, r.rank, k.first_ts, coalesce(k.n, 0) AS n_messages,
        coalesce(s.n, 0) AS n_shadowed, coalesce(k.span, 0) AS span
    FROM ranked_files r
    LEFT JOIN (SELECT file_id, count(*) AS n, max(ordinal) + 1 AS span, min(ts) AS first_ts
               FROM keyed_messages GROUP BY file_id) k USING (file_id)
    LEFT JOIN (SELECT file_id, count(*) AS n
               FROM shadowed_messages GROUP BY file_id) s USING (file_id)
),
roled AS (
    SELECT *,
        CASE WHEN rank = 1 THEN 'primary'
             WHEN n_shadowed >= n_messages THEN 'copy'
             ELSE 'extra' END AS role
    FROM counted
)
-- the files' messages follow each other in the order the files begin
SELECT file_id, session_id, role, rank,
    coalesce(sum(CASE WHEN role = 'copy' THEN 0 ELSE span END) OVER (
        PARTITION BY session_id ORDER BY first_ts NULLS LAST, rank
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS ordinal_offset
FROM roled;

DROP TABLE ranked_files;
DROP TABLE keyed_messages;
