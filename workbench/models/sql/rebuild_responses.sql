-- Token accounting: one row per API response. Claude Code writes a line per content block of a
-- streamed response, each repeating usage (early ones with partial output_tokens), and subagent
-- or resumed files can repeat a parent's responses. Keep, across all files, the copy with the
-- largest token total, the non-sidechain copy on a tie.
-- Only the chosen line's key is stored (response_keys); the api_responses view joins it back.
-- The chosen rows stay in the temp table chosen_responses for the rest of the rebuild
-- (rebuild_sessions.sql), and their totals go to meta (the ingest summary's).
CREATE OR REPLACE TEMP TABLE chosen_responses AS
SELECT file_id, line_no, dedupe_key, model, input_tokens, output_tokens, cache_creation_tokens,
    cache_5m_tokens, cache_1h_tokens, cache_read_tokens, reasoning_tokens, total_tokens
FROM usage_lines
QUALIFY row_number() OVER (
    PARTITION BY dedupe_key
    ORDER BY total_tokens DESC, is_sidechain, output_tokens DESC, ts NULLS LAST, file_id, line_no
) = 1;

DELETE FROM response_keys;
INSERT INTO response_keys
SELECT file_id, line_no, md5_number(dedupe_key) FROM chosen_responses;

INSERT OR REPLACE INTO meta
SELECT 'api_responses', count(*)::VARCHAR FROM chosen_responses
UNION ALL
SELECT 'api_response_tokens', coalesce(sum(total_tokens), 0)::VARCHAR FROM chosen_responses;

