-- The few functions the read queries use that PostgreSQL spells otherwise or lacks, written
-- once per hub by `workbench push` / `workbench hub init` (query/db.py's Dialect covers what
-- cannot be a function: regular expressions, time-zone formatting).
CREATE OR REPLACE FUNCTION epoch(timestamptz) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT extract(epoch FROM $1)::double precision $$;
CREATE OR REPLACE FUNCTION epoch(interval) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT extract(epoch FROM $1)::double precision $$;
CREATE OR REPLACE FUNCTION epoch_us(timestamptz) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (extract(epoch FROM $1) * 1000000)::bigint $$;
CREATE OR REPLACE FUNCTION round(double precision, integer) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT round($1::numeric, $2)::double precision $$;
CREATE OR REPLACE FUNCTION contains(text, text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT strpos($1, $2) > 0 $$;
CREATE OR REPLACE FUNCTION starts_with(text, text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT left($1, length($2)) = $2 $$;
CREATE OR REPLACE FUNCTION dayofweek(timestamp) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT extract(dow FROM $1)::integer $$;
CREATE OR REPLACE FUNCTION hour(timestamp) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT extract(hour FROM $1)::integer $$;
-- any_value is built in from PostgreSQL 16
DO $$ BEGIN
    IF to_regprocedure('any_value(anyelement)') IS NULL THEN
        CREATE FUNCTION wb_first(anyelement, anyelement) RETURNS anyelement
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT coalesce($1, $2)';
        CREATE AGGREGATE any_value(anyelement) (SFUNC = wb_first, STYPE = anyelement);
    END IF;
END $$;
-- the top-level key of a JSON text as text; NULL when the text is not JSON (json_text)
CREATE OR REPLACE FUNCTION wb_json_text(text, text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN $1::jsonb ->> $2;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;
