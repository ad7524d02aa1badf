-- Activity blocks: runs of a session's messages less than getvariable('active_gap') seconds
-- apart (a session with responses and no message: of its responses, build_silent). Inputs:
-- build_messages and build_silent (build_inputs.sql), sessions, build_sessions. Output: their
-- rows.
DELETE FROM activity_blocks WHERE session_id IN (SELECT session_id FROM build_sessions);
INSERT INTO activity_blocks BY NAME
WITH marked AS (
    SELECT session_id, ts, is_message,
        CASE WHEN epoch_us(ts) - lag(epoch_us(ts)) OVER w <= getvariable('active_gap') * 1000000
             THEN 0 ELSE 1 END AS starts_block
    FROM (SELECT session_id, ts, true AS is_message FROM build_messages WHERE ts IS NOT NULL
          UNION ALL SELECT session_id, ts, false FROM build_silent)
    WINDOW w AS (PARTITION BY session_id ORDER BY ts)
),
numbered AS (
    SELECT *, sum(starts_block) OVER (PARTITION BY session_id ORDER BY ts
                                      ROWS UNBOUNDED PRECEDING) AS block
    FROM marked
)
SELECT n.session_id, any_value(s.root_session_id) AS root_session_id,
    min(n.ts) AS started_at, max(n.ts) AS ended_at, count(*) FILTER (n.is_message) AS messages
FROM numbered n
JOIN sessions s USING (session_id)
GROUP BY n.session_id, n.block;
