-- The workbench database. Every timestamp is TIMESTAMPTZ (stored UTC); every table that comes
-- from a transcript carries file_id, so a file's rows can be replaced in one transaction.

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);

CREATE SEQUENCE IF NOT EXISTS file_ids START 1;

-- No PRIMARY KEY/UNIQUE constraints: the loader keeps keys unique and bulk-replaces rows,
-- which DuckDB's index checks would slow down.

-- One row per transcript file ever ingested. A file that vanished keeps its row (missing = true)
-- and its sessions: the database is the archive.
CREATE TABLE IF NOT EXISTS files (
    file_id           INTEGER NOT NULL,      -- unique (from the file_ids sequence)
    path              VARCHAR NOT NULL,      -- unique (kept so by the loader)
    agent             VARCHAR NOT NULL,      -- claude | codex | gemini
    user_name         VARCHAR NOT NULL,
    kind              VARCHAR NOT NULL,      -- session | subagent
    session_id        VARCHAR NOT NULL,
    parent_session_id VARCHAR,               -- from the path (2.1 subagents/ layout)
    agent_id          VARCHAR,
    project_dir       VARCHAR,               -- the encoded folder name (Claude) or NULL
    meta_agent_type   VARCHAR,               -- from agent-<id>.meta.json
    meta_description  VARCHAR,
    size_bytes        BIGINT NOT NULL,       -- at the last ingest
    mtime_us          BIGINT NOT NULL,       -- modification time (µs since epoch)
    bytes_consumed    BIGINT NOT NULL,       -- complete lines read so far
    lines             BIGINT NOT NULL,       -- physical lines read so far
    bad_lines         BIGINT NOT NULL,
    pending_bytes     BIGINT NOT NULL,       -- an incomplete last line, read once complete
    tail_hash         VARCHAR,               -- sha256:<hex> of the bytes before bytes_consumed
    parser_version    INTEGER NOT NULL,
    ingested_at       TIMESTAMPTZ NOT NULL,
    first_ingested_at TIMESTAMPTZ NOT NULL,
    missing           BOOLEAN NOT NULL DEFAULT false,
    missing_since     TIMESTAMPTZ
);

-- One row per transcript event that is a message (user, assistant, system).
CREATE TABLE IF NOT EXISTS messages (
    file_id            INTEGER NOT NULL,
    session_id         VARCHAR NOT NULL,
    line_no            BIGINT NOT NULL,
    ordinal            BIGINT NOT NULL,      -- 0-based position among the session's messages
    uuid               VARCHAR,
    parent_uuid        VARCHAR,
    type               VARCHAR NOT NULL,     -- user | assistant | system
    subtype            VARCHAR,              -- system subtype (compact_boundary, api_error, ...)
    role               VARCHAR,
    text               VARCHAR,              -- visible text (text blocks joined)
    thinking           VARCHAR,              -- thinking / reasoning text
    ts                 TIMESTAMPTZ,
    is_sidechain       BOOLEAN NOT NULL,
    is_meta            BOOLEAN NOT NULL,     -- injected context, not typed by a person
    is_compact_summary BOOLEAN NOT NULL,
    is_api_error       BOOLEAN NOT NULL,
    model              VARCHAR,
    message_id         VARCHAR,
    request_id         VARCHAR,
    stop_reason        VARCHAR,
    tool_use_count     INTEGER NOT NULL,
    tool_result_count  INTEGER NOT NULL,
    level              VARCHAR,
    cwd                VARCHAR,
    git_branch         VARCHAR,
    cli_version        VARCHAR,
    agent_id           VARCHAR,              -- Claude subagent lines carry their agentId
    line_session_id    VARCHAR,              -- the sessionId written in the line
    has_usage          BOOLEAN NOT NULL,     -- usage as the line reports it (not deduplicated:
    input_tokens       BIGINT,               -- see usage_lines / api_responses for that)
    output_tokens      BIGINT,
    cache_creation_tokens BIGINT,
    cache_5m_tokens    BIGINT,
    cache_1h_tokens    BIGINT,
    cache_read_tokens  BIGINT
);

-- One row per tool_use block.
CREATE TABLE IF NOT EXISTS tool_uses (
    file_id      INTEGER NOT NULL,
    session_id   VARCHAR NOT NULL,
    line_no      BIGINT NOT NULL,
    ordinal      BIGINT NOT NULL,            -- the message that holds the call
    block_index  INTEGER NOT NULL,
    tool_use_id  VARCHAR,
    name         VARCHAR,
    input_json   VARCHAR,
    ts           TIMESTAMPTZ,
    is_sidechain BOOLEAN NOT NULL
);

-- One row per tool_result block (joined to its call in the tool_calls view).
CREATE TABLE IF NOT EXISTS tool_results (
    file_id       INTEGER NOT NULL,
    session_id    VARCHAR NOT NULL,
    line_no       BIGINT NOT NULL,
    ordinal       BIGINT NOT NULL,
    block_index   INTEGER NOT NULL,
    tool_use_id   VARCHAR,
    result_text   VARCHAR,
    result_length BIGINT NOT NULL,
    is_error      BOOLEAN NOT NULL,
    ts            TIMESTAMPTZ,
    agent_id      VARCHAR,                   -- toolUseResult.agentId: the subagent it ran
    interrupted   BOOLEAN
);

-- Usage that Codex and Gemini report, one row per report (before deduplication). Claude Code's
-- usage is read from its assistant messages (the token columns of messages) by the usage_lines
-- view below, so it is stored once.
CREATE TABLE IF NOT EXISTS usage_events (
    file_id        INTEGER NOT NULL,
    session_id     VARCHAR NOT NULL,
    line_no        BIGINT NOT NULL,
    dedupe_key     VARCHAR NOT NULL,         -- codex:<scope>:<cumulative totals>, gemini:<session>:<id>
    message_id     VARCHAR,
    request_id     VARCHAR,
    ts             TIMESTAMPTZ,
    model          VARCHAR,
    is_sidechain   BOOLEAN NOT NULL,
    input_tokens   BIGINT NOT NULL,          -- uncached input
    output_tokens  BIGINT NOT NULL,          -- includes reasoning
    cache_creation_tokens BIGINT NOT NULL,   -- 5m + 1h writes
    cache_5m_tokens       BIGINT NOT NULL,
    cache_1h_tokens       BIGINT NOT NULL,
    cache_read_tokens     BIGINT NOT NULL,
    reasoning_tokens      BIGINT NOT NULL,   -- part of output_tokens, where reported
    total_tokens          BIGINT NOT NULL
);

-- One row per line that could not be used.
CREATE TABLE IF NOT EXISTS bad_lines (
    file_id     INTEGER NOT NULL,
    line_no     BIGINT NOT NULL,
    byte_offset BIGINT NOT NULL,
    reason      VARCHAR NOT NULL,
    excerpt     VARCHAR
);

-- One row per value refused in a line that loads (the value is stored as NULL, i.e. counts as
-- 0 tokens or no time): a token count that is not a JSON integer in 0..10^12 (a string, a
-- boolean, a list, 2^64, 1e300, -5), a usage that is not an object (then no response), a
-- timestamp that is not one, outside the years 2000-2100, or missing on a usage line.
CREATE TABLE IF NOT EXISTS bad_values (
    file_id     INTEGER NOT NULL,
    line_no     BIGINT NOT NULL,
    field       VARCHAR NOT NULL,            -- where in the line: message.usage.input_tokens, ...
    reason      VARCHAR NOT NULL,
    excerpt     VARCHAR                      -- the value as written (JSON), cut at 200 characters
);

-- Derived at the end of each ingest that changed anything (see rebuild_*.sql); a newer schema
-- version drops and rebuilds them (store.migrate), so they never need an ALTER.

-- The usage line counted for each API response (rebuild_responses.sql): its file, line and the
-- MD5 of its dedupe_key (a Gemini chat document has several responses on one line; MD5, unlike
-- DuckDB's hash(), cannot change with the DuckDB version). The api_responses view below reads
-- the rows themselves.
CREATE TABLE IF NOT EXISTS response_keys (
    file_id  INTEGER NOT NULL,
    line_no  BIGINT NOT NULL,
    key_md5  UHUGEINT NOT NULL
);

-- One row per failed tool call (is_error, or an exit code N != 0 in the output) with its
-- friction category from the rule table in workbench/models/friction.py.
CREATE TABLE IF NOT EXISTS tool_errors (
    session_id   VARCHAR NOT NULL,
    file_id      INTEGER NOT NULL,
    tool_use_id  VARCHAR,
    tool_name    VARCHAR,
    ordinal      BIGINT NOT NULL,
    block_index  INTEGER NOT NULL,
    ts           TIMESTAMPTZ,
    evidence     VARCHAR NOT NULL,           -- is_error | exit_code
    category     VARCHAR NOT NULL,
    rule         INTEGER,                    -- priority of the matching rule (NULL: other)
    excerpt      VARCHAR                     -- the start of the error text
);

-- Runs of >= 3 consecutive calls of one tool with identical input.
CREATE TABLE IF NOT EXISTS retry_loops (
    session_id    VARCHAR NOT NULL,
    tool_name     VARCHAR,
    input_excerpt VARCHAR,
    length        INTEGER NOT NULL,
    failures      INTEGER NOT NULL,
    first_ordinal BIGINT NOT NULL,
    last_ordinal  BIGINT NOT NULL,
    started_at    TIMESTAMPTZ
);

CREATE TABLE IF NOT EXISTS sessions (
    session_id          VARCHAR NOT NULL,    -- unique (one transcript file per session)
    file_id             INTEGER NOT NULL,
    agent               VARCHAR NOT NULL,
    user_name           VARCHAR NOT NULL,
    project             VARCHAR,
    project_path        VARCHAR,
    cwd                 VARCHAR,
    git_branch          VARCHAR,
    cli_version         VARCHAR,
    is_subagent         BOOLEAN NOT NULL,
    parent_session_id   VARCHAR,
    agent_id            VARCHAR,
    agent_type          VARCHAR,
    agent_description   VARCHAR,
    source_path         VARCHAR NOT NULL,
    source_missing      BOOLEAN NOT NULL,
    started_at          TIMESTAMPTZ,         -- the transcript's own timestamps, never mtime
    ended_at            TIMESTAMPTZ,
    wall_seconds        DOUBLE,
    active_seconds      DOUBLE,              -- busy time: gaps over 10 minutes not counted
    activity_blocks     INTEGER,
    messages            BIGINT NOT NULL,
    user_messages       BIGINT NOT NULL,     -- prompts typed by a person
    assistant_messages  BIGINT NOT NULL,
    system_messages     BIGINT NOT NULL,
    tool_calls          BIGINT NOT NULL,
    tool_errors         BIGINT NOT NULL,
    skill_calls         BIGINT NOT NULL,     -- Skill tool
    distinct_skills     BIGINT NOT NULL,
    subagent_calls      BIGINT NOT NULL,     -- Task / Agent dispatches
    mcp_calls           BIGINT NOT NULL,     -- mcp__* tools
    distinct_tools      BIGINT NOT NULL,
    slash_commands      BIGINT NOT NULL,
    compactions         BIGINT NOT NULL,
    interruptions       BIGINT NOT NULL,
    api_errors          BIGINT NOT NULL,
    error_retries       BIGINT NOT NULL,     -- a failed call, then the same tool within 2 calls
    retry_loops         BIGINT NOT NULL,     -- >= 3 identical consecutive calls
    edit_churn          BIGINT NOT NULL,     -- a file edited >= 3 times within 10 messages
    max_failure_streak  BIGINT NOT NULL,
    final_failure_streak BIGINT NOT NULL,
    ended_with          VARCHAR,             -- prompt | interrupt | tool_result | assistant | api_error
    outcome             VARCHAR NOT NULL,    -- completed | abandoned | errored | unknown
    health_score        INTEGER NOT NULL,
    health_grade        VARCHAR NOT NULL,
    penalties           STRUCT(rule VARCHAR, count BIGINT, points INTEGER)[],
    first_prompt        VARCHAR,
    primary_model       VARCHAR,
    models              VARCHAR[],
    api_responses       BIGINT NOT NULL,
    input_tokens        BIGINT NOT NULL,
    output_tokens       BIGINT NOT NULL,
    cache_creation_tokens BIGINT NOT NULL,
    cache_5m_tokens     BIGINT NOT NULL,
    cache_1h_tokens     BIGINT NOT NULL,
    cache_read_tokens   BIGINT NOT NULL,
    reasoning_tokens    BIGINT NOT NULL,
    total_tokens        BIGINT NOT NULL
);

CREATE OR REPLACE VIEW tool_calls AS
SELECT
    u.session_id, u.file_id, u.ordinal, u.line_no, u.block_index, u.tool_use_id, u.name,
    u.input_json, u.ts, u.is_sidechain,
    r.result_text, coalesce(r.result_length, 0) AS result_length,
    coalesce(r.is_error, false) AS is_error, r.ts AS result_ts, r.ordinal AS result_ordinal,
    r.agent_id AS result_agent_id, r.interrupted, r.tool_use_id IS NOT NULL AS has_result
FROM tool_uses u
LEFT JOIN (
    SELECT * FROM tool_results
    QUALIFY row_number() OVER (PARTITION BY file_id, tool_use_id ORDER BY line_no, block_index) = 1
) r ON r.file_id = u.file_id AND r.tool_use_id = u.tool_use_id;

-- One row per transcript line that reports token usage, as written (before deduplication):
-- Claude Code's assistant lines (not <synthetic> ones) and the usage_events of the others.
-- Claude Code writes a line per content block of a streamed response, each repeating usage;
-- dedupe_key is message.id:requestId (else the line itself), which api_responses counts once.
CREATE OR REPLACE VIEW usage_lines AS
SELECT file_id, session_id, line_no, dedupe_key, message_id, request_id, ts, model,
    is_sidechain, input_tokens, output_tokens,
    cache_creation AS cache_creation_tokens, cache_creation - cache_1h AS cache_5m_tokens,
    cache_1h AS cache_1h_tokens, cache_read AS cache_read_tokens, 0::BIGINT AS reasoning_tokens,
    input_tokens + output_tokens + cache_creation + cache_read AS total_tokens
FROM (
    SELECT m.file_id, m.session_id, m.line_no,
        CASE WHEN m.message_id IS NOT NULL AND m.request_id IS NOT NULL
             THEN m.message_id || ':' || m.request_id
             ELSE 'line:' || m.file_id || ':' || m.line_no END AS dedupe_key,
        m.message_id, m.request_id, m.ts, m.model, m.is_sidechain,
        coalesce(m.input_tokens, 0) AS input_tokens,
        coalesce(m.output_tokens, 0) AS output_tokens,
        coalesce(m.cache_creation_tokens,
                 coalesce(m.cache_5m_tokens, 0) + coalesce(m.cache_1h_tokens, 0)) AS cache_creation,
        -- a 1h figure above the total is capped; the rest of the writes are 5m
        least(coalesce(m.cache_1h_tokens, 0), cache_creation) AS cache_1h,
        coalesce(m.cache_read_tokens, 0) AS cache_read
    FROM messages m
    WHERE m.type = 'assistant' AND m.has_usage AND coalesce(m.model, '') <> '<synthetic>'
      AND m.file_id IN (SELECT file_id FROM files WHERE agent = 'claude')
)
UNION ALL
SELECT * FROM usage_events;

-- One row per API response (deduplicated across files): the usage line response_keys chose.
CREATE OR REPLACE VIEW api_responses AS
SELECT u.*
FROM usage_lines u
SEMI JOIN response_keys k
    ON k.file_id = u.file_id AND k.line_no = u.line_no AND k.key_md5 = md5_number(u.dedupe_key);
