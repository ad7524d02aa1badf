-- The checks a parse applies to the values it keeps, as temp macros the loader installs once
-- per connection (the bounds in braces come from workbench/core/config.py). A value that fails
-- is stored as NULL and recorded in bad_values (file, line, field, reason, excerpt): a token
-- count beyond INT64, a negative one, a string, list, object, boolean or non-integer number, a
-- usage that is not an object, a timestamp that is garbage or outside the years allowed.

-- A token count: a JSON integer within 0..max (NULL otherwise; `v` is a JSON value).
CREATE OR REPLACE TEMP MACRO wb_token(v) AS
    CASE WHEN json_type(v) IN ('UBIGINT', 'BIGINT')
              AND try_cast(v::VARCHAR AS HUGEINT) BETWEEN 0 AND {max_tokens}
         THEN v::VARCHAR::BIGINT END;

-- What is wrong with a token count (NULL: nothing, or it is absent or null).
CREATE OR REPLACE TEMP MACRO wb_token_problem(v) AS
    CASE
        WHEN v IS NULL OR wb_token(v) IS NOT NULL THEN NULL
        WHEN json_type(v) IN ('UBIGINT', 'BIGINT', 'DOUBLE')
             AND regexp_matches(v::VARCHAR, '^-[0-9]+$') THEN 'negative'
        WHEN json_type(v) IN ('UBIGINT', 'BIGINT', 'DOUBLE')
             AND regexp_matches(v::VARCHAR, '^[0-9]+$') THEN 'larger than {max_tokens}'
        WHEN json_type(v) = 'DOUBLE' THEN 'not an integer (a fraction or an exponent)'
        ELSE 'not an integer (got ' || wb_json_kind(v) || ')'
    END;

CREATE OR REPLACE TEMP MACRO wb_json_kind(v) AS
    CASE json_type(v)
        WHEN 'VARCHAR' THEN 'a string' WHEN 'BOOLEAN' THEN 'a boolean'
        WHEN 'ARRAY' THEN 'an array' WHEN 'OBJECT' THEN 'an object' WHEN 'NULL' THEN 'null'
        ELSE 'a number' END;

-- A timestamp within the years allowed (NULL otherwise; `s` is the text written).
CREATE OR REPLACE TEMP MACRO wb_ts(s) AS
    CASE WHEN try_cast(s AS TIMESTAMPTZ) >= TIMESTAMPTZ '{min_year}-01-01 00:00:00+00'
              AND try_cast(s AS TIMESTAMPTZ) < TIMESTAMPTZ '{max_year}-01-01 00:00:00+00'
         THEN try_cast(s AS TIMESTAMPTZ) END;

-- What is wrong with a timestamp; a missing one only counts where one is `required`.
CREATE OR REPLACE TEMP MACRO wb_ts_problem(s, required) AS
    CASE
        WHEN s IS NULL THEN CASE WHEN required THEN 'missing' END
        WHEN try_cast(s AS TIMESTAMPTZ) IS NULL THEN 'not a timestamp'
        WHEN wb_ts(s) IS NULL THEN 'outside the years {min_year} to {max_year}'
    END;

-- One bad_values entry (NULL when `reason` is).
CREATE OR REPLACE TEMP MACRO wb_bad(field, reason, v) AS
    CASE WHEN reason IS NOT NULL THEN
        {'field': field, 'reason': reason, 'excerpt': left(v::VARCHAR, 200)} END;

-- Codex CLI: a usage object ({input_tokens, cached_input_tokens, output_tokens,
-- reasoning_output_tokens, total_tokens} as JSON values) with its counts checked, and what is
-- wrong with them (fields named `prefix` || name).
CREATE OR REPLACE TEMP MACRO wb_codex_usage(u) AS
    CASE WHEN u IS NOT NULL THEN {
        'input_tokens': wb_token(u.input_tokens),
        'cached_input_tokens': wb_token(u.cached_input_tokens),
        'output_tokens': wb_token(u.output_tokens),
        'reasoning_output_tokens': wb_token(u.reasoning_output_tokens),
        'total_tokens': wb_token(u.total_tokens)} END;

CREATE OR REPLACE TEMP MACRO wb_codex_problems(prefix, u) AS [
    wb_bad(prefix || 'input_tokens', wb_token_problem(u.input_tokens), u.input_tokens),
    wb_bad(prefix || 'cached_input_tokens', wb_token_problem(u.cached_input_tokens),
           u.cached_input_tokens),
    wb_bad(prefix || 'output_tokens', wb_token_problem(u.output_tokens), u.output_tokens),
    wb_bad(prefix || 'reasoning_output_tokens', wb_token_problem(u.reasoning_output_tokens),
           u.reasoning_output_tokens),
    wb_bad(prefix || 'total_tokens', wb_token_problem(u.total_tokens), u.total_tokens)];

-- Gemini CLI: a record's tokens ({input, output, cached, thoughts, tool, total} as JSON values)
-- with its counts checked, and what is wrong with them.
CREATE OR REPLACE TEMP MACRO wb_gemini_tokens(t) AS
    CASE WHEN t IS NOT NULL THEN {
        'input': wb_token(t.input), 'output': wb_token(t.output), 'cached': wb_token(t.cached),
        'thoughts': wb_token(t.thoughts), 'tool': wb_token(t.tool),
        'total': wb_token(t.total)} END;

CREATE OR REPLACE TEMP MACRO wb_gemini_problems(t) AS [
    wb_bad('tokens.input', wb_token_problem(t.input), t.input),
    wb_bad('tokens.output', wb_token_problem(t.output), t.output),
    wb_bad('tokens.cached', wb_token_problem(t.cached), t.cached),
    wb_bad('tokens.thoughts', wb_token_problem(t.thoughts), t.thoughts),
    wb_bad('tokens.tool', wb_token_problem(t.tool), t.tool),
    wb_bad('tokens.total', wb_token_problem(t.total), t.total)];

-- A token count already typed BIGINT (the agent_progress copies of subagent responses): within
-- 0..max, else NULL.
CREATE OR REPLACE TEMP MACRO wb_copy_tokens(v) AS
    CASE WHEN v BETWEEN 0 AND {max_tokens} THEN v END;
