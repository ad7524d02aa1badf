-- Responses: one row per API response, deduplicated and priced. Inputs: build_keys and
-- {key_files} (build_keys.sql), usage_lines, responses, model_prices (temp, from
-- models/pricing.py; USD per million tokens), build_sessions. Outputs: the responses rows of
-- every key in build_keys; build_sessions gains the sessions those keys were and are counted in.
-- Each lookup by key first narrows to the files that hold the keys ({key_files}: a list of
-- ids, which skips the row groups of every other file), then matches the keys themselves; the
-- copies of the keys are read with {in_key_files} instead (the same files as a condition on
-- file_id, tested before a row's other columns are read: ~11 ms less for a 1 MB append).
--
-- Claude Code writes a line per content block of a streamed response, each repeating usage
-- (early ones with partial output_tokens), and subagent, resumed or copied files repeat a
-- parent's responses: keep, across all files, the copy with the largest token total, the
-- non-sidechain copy on a tie.
INSERT INTO build_sessions
SELECT DISTINCT session_id FROM responses
WHERE file_id IN {key_files} AND dedupe_key IN (SELECT dedupe_key FROM build_keys)
  AND session_id NOT IN (SELECT session_id FROM build_sessions);

DELETE FROM responses
WHERE file_id IN {key_files} AND dedupe_key IN (SELECT dedupe_key FROM build_keys);

-- Cost: when a request's prompt (uncached input + cache writes + cache reads) exceeds the
-- model's long_threshold, all its tokens, output included, are charged at the long rates. A
-- model with no price has NULL costs, never 0.
INSERT INTO responses BY NAME
WITH chosen AS (
    SELECT * FROM usage_lines
    WHERE {in_key_files} AND dedupe_key IN (SELECT dedupe_key FROM build_keys)
    QUALIFY row_number() OVER (
        PARTITION BY dedupe_key
        ORDER BY total_tokens DESC, is_sidechain, output_tokens DESC, ts NULLS LAST, file_id,
                 line_no
    ) = 1
),
rated AS (
    SELECT c.*, p.price_key,
        coalesce(c.input_tokens + c.cache_creation_tokens + c.cache_read_tokens
                 > p.long_threshold, false) AS long_context,
        p.input, p.output, p.cache_write_5m, p.cache_write_1h, p.cache_read AS read_rate,
        p.long_input, p.long_output, p.long_cache_write_5m, p.long_cache_write_1h,
        p.long_cache_read
    FROM chosen c
    LEFT JOIN model_prices p ON p.model = c.model
),
costed AS (
    SELECT * EXCLUDE (input, output, cache_write_5m, cache_write_1h, read_rate, long_input,
                      long_output, long_cache_write_5m, long_cache_write_1h, long_cache_read),
        CASE WHEN price_key IS NULL THEN NULL ELSE long_context END AS long_context_,
        input_tokens * CASE WHEN long_context THEN long_input ELSE input END / 1e6
            AS input_cost_usd,
        output_tokens * CASE WHEN long_context THEN long_output ELSE output END / 1e6
            AS output_cost_usd,
        (cache_5m_tokens * CASE WHEN long_context THEN long_cache_write_5m ELSE cache_write_5m END
         + cache_1h_tokens * CASE WHEN long_context THEN long_cache_write_1h ELSE cache_write_1h END)
            / 1e6 AS cache_write_cost_usd,
        cache_read_tokens * CASE WHEN long_context THEN long_cache_read ELSE read_rate END / 1e6
            AS cache_read_cost_usd
    FROM rated
)
SELECT dedupe_key, file_id, line_no, session_id,
    coalesce(parent_session_id, session_id) AS root_session_id,  -- set from sessions later
    message_id, request_id,
    ts, model, is_sidechain, input_tokens, output_tokens, cache_creation_tokens,
    cache_5m_tokens, cache_1h_tokens, cache_read_tokens, reasoning_tokens, total_tokens,
    price_key, long_context_ AS long_context, input_cost_usd, output_cost_usd,
    cache_write_cost_usd, cache_read_cost_usd,
    input_cost_usd + output_cost_usd + cache_write_cost_usd + cache_read_cost_usd AS cost_usd
FROM costed;

INSERT INTO build_sessions
SELECT DISTINCT session_id FROM responses
WHERE file_id IN {key_files} AND dedupe_key IN (SELECT dedupe_key FROM build_keys)
  AND session_id NOT IN (SELECT session_id FROM build_sessions);

DROP TABLE build_keys;
