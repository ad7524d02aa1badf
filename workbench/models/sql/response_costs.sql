-- The cost in USD of each deduplicated API response. Rates come from the temp table
-- model_prices (USD per million tokens) that workbench.models.pricing.install() puts on the connection
-- (tables.connect() does). A model with no price has priced = false and NULL costs, never 0.
-- Long context: when the request's prompt (uncached input + cache writes + cache reads) exceeds
-- the model's long_threshold, all its tokens, output included, are charged at the long rates.
WITH r AS (
    SELECT
        a.dedupe_key, a.session_id, a.model,
        a.input_tokens, a.output_tokens, a.cache_5m_tokens, a.cache_1h_tokens,
        a.cache_read_tokens,
        a.input_tokens + a.cache_creation_tokens + a.cache_read_tokens AS prompt_tokens,
        p.price_key, p.price_match, p.price_key IS NOT NULL AS priced,
        coalesce(a.input_tokens + a.cache_creation_tokens + a.cache_read_tokens
                 > p.long_threshold, false) AS long_context,
        p.input, p.output, p.cache_write_5m, p.cache_write_1h, p.cache_read,
        p.long_input, p.long_output, p.long_cache_write_5m, p.long_cache_write_1h,
        p.long_cache_read
    FROM api_responses a
    LEFT JOIN model_prices p ON p.model = a.model
),
c AS (
    SELECT
        dedupe_key, session_id, model, price_key, price_match, priced, prompt_tokens,
        long_context,
        input_tokens * CASE WHEN long_context THEN long_input ELSE input END / 1e6
            AS input_cost,
        output_tokens * CASE WHEN long_context THEN long_output ELSE output END / 1e6
            AS output_cost,
        (cache_5m_tokens * CASE WHEN long_context THEN long_cache_write_5m ELSE cache_write_5m END
         + cache_1h_tokens * CASE WHEN long_context THEN long_cache_write_1h ELSE cache_write_1h END)
            / 1e6 AS cache_write_cost,
        cache_read_tokens * CASE WHEN long_context THEN long_cache_read ELSE cache_read END / 1e6
            AS cache_read_cost
    FROM r
)
SELECT *, input_cost + output_cost + cache_write_cost + cache_read_cost AS cost_usd
FROM c
