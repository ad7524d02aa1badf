-- Token accounting: one row per API response. Claude Code writes a line per content block of a
-- streamed response, each repeating usage (early ones with partial output_tokens), and subagent
-- or resumed files can repeat a parent's responses. Keep, across all files, the copy with the
-- largest token total, the non-sidechain copy on a tie.
-- Only the chosen line's key is stored (response_keys); the api_responses view joins it back.
DELETE FROM response_keys;
INSERT INTO response_keys
SELECT file_id, line_no, md5_number(dedupe_key) FROM usage_lines
QUALIFY row_number() OVER (
    PARTITION BY dedupe_key
    ORDER BY total_tokens DESC, is_sidechain, output_tokens DESC, ts NULLS LAST, file_id, line_no
) = 1;

