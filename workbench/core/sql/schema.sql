-- The workbench database. Every timestamp is TIMESTAMPTZ (stored UTC); every table that comes
-- from a transcript carries file_id, so a file's rows can be replaced in one transaction.

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);

CREATE SEQUENCE IF NOT EXISTS file_ids START 1;

-- No PRIMARY KEY/UNIQUE constraints: the loader keeps keys unique and bulk-replaces rows,
-- which DuckDB's index checks would slow down.
--
-- Two kinds of table: raw_* tables, files, usage_events and bad_lines hold what the transcripts
-- say, one row per line or block, per file (written by ingest/); the marts below them (files'
-- roles, responses, sessions, activity_blocks, tool_errors, retry_loops) and the views messages
-- and tool_calls hold each fact once (built by models/, incrementally). Readers read the marts.

-- The key that identifies one Claude API response across lines and files: Claude Code writes a
-- line per content block of a streamed response, all with the same message.id and requestId;
-- files re-serialised by other tools drop requestId, and then message.id alone identifies it.
-- A line with neither is a response of its own.
CREATE OR REPLACE MACRO claude_response_key(message_id, request_id, file_id, line_no) AS
    CASE WHEN message_id IS NOT NULL AND request_id IS NOT NULL
         THEN message_id || ':' || request_id
         WHEN message_id IS NOT NULL THEN message_id
         ELSE 'line:' || file_id || ':' || line_no END;

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
    missing_since     TIMESTAMPTZ,
    machine           VARCHAR NOT NULL       -- the machine that ingested it (--machine)
);

-- One row per transcript event that is a message (user, assistant, system).
CREATE TABLE IF NOT EXISTS raw_messages (
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
    input_tokens       BIGINT,               -- see usage_lines / responses for that)
    output_tokens      BIGINT,
    cache_creation_tokens BIGINT,
    cache_5m_tokens    BIGINT,
    cache_1h_tokens    BIGINT,
    cache_read_tokens  BIGINT,
    dedupe_key         VARCHAR,              -- claude_response_key() of a usage line, else NULL
    entrypoint         VARCHAR               -- how the agent was started: Claude's entrypoint
                                             -- (cli, sdk-cli, sdk-ts, ...), Codex's session_meta
                                             -- source (cli, exec, ...) or originator; Gemini NULL
);

-- One row per tool_use block.
CREATE TABLE IF NOT EXISTS raw_tool_uses (
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
CREATE TABLE IF NOT EXISTS raw_tool_results (
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

-- Usage that is not in a message row, one row per report (before deduplication): Codex
-- token_count events, Gemini records, and the copies of a Claude subagent's responses that
-- Claude Code 2.x writes into the parent transcript (`agent_progress` progress lines, counted as
-- responses of that subagent). Claude Code's own usage is read from its assistant messages (the
-- token columns of raw_messages) by the usage_lines view below, so it is stored once.
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
    total_tokens          BIGINT NOT NULL,
    parent_session_id     VARCHAR            -- a Claude subagent's parent (agent_progress copies)
);

-- One row per progress line of a running command (Claude Code's bash_progress, written every
-- few seconds while a Bash call runs): elapsed_seconds is cumulative since the command started,
-- so a command's duration from these is max - min over its rows, never a sum.
CREATE TABLE IF NOT EXISTS raw_progress (
    file_id         INTEGER NOT NULL,
    session_id      VARCHAR NOT NULL,
    line_no         BIGINT NOT NULL,
    tool_use_id     VARCHAR NOT NULL,        -- parentToolUseID: the call that is running
    kind            VARCHAR,                 -- data.type (bash_progress)
    ts              TIMESTAMPTZ,
    elapsed_seconds DOUBLE NOT NULL          -- data.elapsedTimeSeconds (0 to 10^7)
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


-- ----------------------------------------------------------------------------------------------
-- Marts, built from the tables above by models/ (workbench/models/sql/build_*.sql; each file
-- names its inputs and outputs). An ingest rebuilds the rows of the sessions and response keys
-- its files touched; a newer schema version drops and rebuilds them (store.migrate).

-- Which files make up each session. A session id can span several files: the same transcript
-- found in two folders (~/.claude/projects and ~/.config/claude/projects, a collector's copy, a
-- file moved to another project folder), or a Gemini chat resumed into a second file. The
-- primary file (present, largest) gives the session's metadata; another file whose messages are
-- all in a higher-ranked file is a copy (role 'copy', left out); otherwise it is 'extra': its
-- messages not found in higher-ranked files join the session after the primary's
-- (ordinal_offset), and shadowed_messages lists the ones that were found.
CREATE TABLE IF NOT EXISTS file_roles (
    file_id        INTEGER NOT NULL,
    session_id     VARCHAR NOT NULL,
    role           VARCHAR NOT NULL,         -- primary | extra | copy
    rank           INTEGER NOT NULL,         -- 1 = primary
    ordinal_offset BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS shadowed_messages (
    file_id INTEGER NOT NULL,
    ordinal BIGINT NOT NULL                  -- raw ordinal (within its file)
);

-- Files whose marts are behind their rows: written with the rows, emptied by the build that
-- catches up (models/build.py). Not empty = the marts are stale (an ingest was interrupted).
CREATE TABLE IF NOT EXISTS build_queue (
    file_id INTEGER NOT NULL
);

-- One row per deduplicated API response, priced when built (cost columns NULL for a model the
-- price table does not know, never 0): Claude lines deduplicated by claude_response_key()
-- across all files, keeping the copy with the largest token total (the non-sidechain copy on a
-- tie); Codex token_count events by session and cumulative totals; Gemini by session and
-- message id; `<synthetic>` lines excluded. root_session_id is the session that spawned a
-- subagent (else the session itself); user, project, agent and machine are its session's.
-- dedupe_key is stored uncompressed: every incremental build looks keys up by scanning the
-- whole column, and its values are unique, which DuckDB's string compression (a dictionary
-- and FSST) saves little on and costs ~120 ns a value to read back (a 1 GB archive: 27 ms a
-- scan compressed, 8 ms not; the 200 MB benchmark's file 2 % larger).
CREATE TABLE IF NOT EXISTS responses (
    dedupe_key            VARCHAR NOT NULL USING COMPRESSION uncompressed,  -- unique
    file_id               INTEGER NOT NULL,  -- the copy counted
    line_no               BIGINT NOT NULL,
    session_id            VARCHAR NOT NULL,
    root_session_id       VARCHAR NOT NULL,
    message_id            VARCHAR,           -- Claude message.id / Gemini message id
    request_id            VARCHAR,           -- Claude requestId
    user_name             VARCHAR,
    project               VARCHAR,
    agent                 VARCHAR,
    machine               VARCHAR,
    ts                    TIMESTAMPTZ,
    model                 VARCHAR,
    is_sidechain          BOOLEAN NOT NULL,
    input_tokens          BIGINT NOT NULL,   -- uncached input
    output_tokens         BIGINT NOT NULL,   -- includes reasoning
    cache_creation_tokens BIGINT NOT NULL,   -- 5m + 1h writes
    cache_5m_tokens       BIGINT NOT NULL,
    cache_1h_tokens       BIGINT NOT NULL,
    cache_read_tokens     BIGINT NOT NULL,
    reasoning_tokens      BIGINT NOT NULL,
    total_tokens          BIGINT NOT NULL,   -- input + output + cache writes + cache reads
    price_key             VARCHAR,           -- the price-table entry used (NULL: unpriced)
    long_context          BOOLEAN,
    input_cost_usd        DOUBLE,
    output_cost_usd       DOUBLE,
    cache_write_cost_usd  DOUBLE,
    cache_read_cost_usd   DOUBLE,
    cost_usd              DOUBLE             -- the sum of the four; NULL when unpriced
);

-- Runs of activity per session: consecutive messages less than the active gap apart (10
-- minutes). A session is active in a period when one of its blocks overlaps the period; its
-- active time in the period is the overlap.
CREATE TABLE IF NOT EXISTS activity_blocks (
    session_id      VARCHAR NOT NULL,
    root_session_id VARCHAR NOT NULL,
    started_at      TIMESTAMPTZ NOT NULL,
    ended_at        TIMESTAMPTZ NOT NULL,
    messages        BIGINT NOT NULL
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

-- One row per session id, whatever the number of files it spans (file_roles), with the
-- signals every report shows. Token and cost columns come in two kinds, named so: own_* count
-- this session's own responses; total_* add those of the subagents it spawned (for a subagent
-- they equal own_*). A subagent whose own file is missing (Claude Code deleted it, or it was
-- never collected) but whose responses the parent recorded (agent_progress) has a row with
-- messages = 0 and source_missing = true.
CREATE TABLE IF NOT EXISTS sessions (
    session_id          VARCHAR NOT NULL,    -- unique
    file_id             INTEGER,             -- the primary file (NULL: no file of its own)
    files               INTEGER NOT NULL,    -- files holding this session (copies included)
    agent               VARCHAR NOT NULL,
    user_name           VARCHAR NOT NULL,
    machine             VARCHAR NOT NULL,    -- the machine whose files hold it
    project             VARCHAR,
    project_path        VARCHAR,
    cwd                 VARCHAR,
    git_branch          VARCHAR,
    cli_version         VARCHAR,
    is_subagent         BOOLEAN NOT NULL,
    parent_session_id   VARCHAR,
    root_session_id     VARCHAR NOT NULL,    -- the top-level session (itself, if not a subagent)
    agent_id            VARCHAR,
    agent_type          VARCHAR,
    agent_description   VARCHAR,
    source_path         VARCHAR,
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
    entrypoint          VARCHAR,             -- how it was started (the latest raw entrypoint)
    automated           BOOLEAN NOT NULL,    -- non-interactive: claude -p / Agent SDK, codex exec
    primary_model       VARCHAR,
    models              VARCHAR[],
    own_responses             BIGINT NOT NULL,
    own_input_tokens          BIGINT NOT NULL,
    own_output_tokens         BIGINT NOT NULL,
    own_cache_creation_tokens BIGINT NOT NULL,
    own_cache_5m_tokens       BIGINT NOT NULL,
    own_cache_1h_tokens       BIGINT NOT NULL,
    own_cache_read_tokens     BIGINT NOT NULL,
    own_reasoning_tokens      BIGINT NOT NULL,
    own_total_tokens          BIGINT NOT NULL,
    own_cost_usd              DOUBLE,        -- priced responses; NULL when none is priced
    own_unpriced_responses    BIGINT NOT NULL,
    total_responses             BIGINT NOT NULL,
    total_input_tokens          BIGINT NOT NULL,
    total_output_tokens         BIGINT NOT NULL,
    total_cache_creation_tokens BIGINT NOT NULL,
    total_cache_5m_tokens       BIGINT NOT NULL,
    total_cache_1h_tokens       BIGINT NOT NULL,
    total_cache_read_tokens     BIGINT NOT NULL,
    total_reasoning_tokens      BIGINT NOT NULL,
    total_total_tokens          BIGINT NOT NULL,
    total_cost_usd              DOUBLE,
    total_unpriced_responses    BIGINT NOT NULL,
    unpriced_models             VARCHAR[] NOT NULL  -- models without a price (own + subagents)
);

-- One row per message of a session, one copy per session even when its file is present twice
-- (file_roles, shadowed_messages); ordinal is the position in the session.
CREATE OR REPLACE VIEW messages AS
SELECT m.* EXCLUDE (ordinal, session_id), r.session_id, m.ordinal + r.ordinal_offset AS ordinal,
    m.ordinal AS file_ordinal
FROM raw_messages m
JOIN file_roles r ON r.file_id = m.file_id AND r.role <> 'copy'
ANTI JOIN shadowed_messages s ON s.file_id = m.file_id AND s.ordinal = m.ordinal;

-- One row per tool call with its result (the first result for its id in the same file), one
-- copy per session like messages (built by models/sql/build_tool_calls.sql); progress_seconds
-- is how long a running command was seen running by its progress lines (raw_progress: max - min
-- of the cumulative elapsed time, NULL without any), progress_events how many there were.
CREATE TABLE IF NOT EXISTS tool_calls (
    session_id       VARCHAR NOT NULL,
    file_id          INTEGER NOT NULL,
    ordinal          BIGINT NOT NULL,        -- the calling message's position in the session
    file_ordinal     BIGINT NOT NULL,        -- ... in its file
    line_no          BIGINT NOT NULL,
    block_index      INTEGER NOT NULL,
    tool_use_id      VARCHAR,
    name             VARCHAR,
    input_json       VARCHAR,
    ts               TIMESTAMPTZ,
    is_sidechain     BOOLEAN NOT NULL,
    result_text      VARCHAR,
    result_length    BIGINT NOT NULL,
    is_error         BOOLEAN NOT NULL,
    result_ts        TIMESTAMPTZ,
    result_ordinal   BIGINT,
    result_agent_id  VARCHAR,
    interrupted      BOOLEAN,
    has_result       BOOLEAN NOT NULL,
    progress_seconds DOUBLE,
    progress_events  BIGINT NOT NULL
);

-- One row per transcript line that reports token usage, as written (before deduplication):
-- Claude Code's assistant lines (not <synthetic> ones) and the usage_events of the others.
CREATE OR REPLACE VIEW usage_lines AS
SELECT file_id, session_id, line_no, dedupe_key, message_id, request_id, ts, model,
    is_sidechain, input_tokens, output_tokens,
    cache_creation AS cache_creation_tokens, cache_creation - cache_1h AS cache_5m_tokens,
    cache_1h AS cache_1h_tokens, cache_read AS cache_read_tokens, 0::BIGINT AS reasoning_tokens,
    input_tokens + output_tokens + cache_creation + cache_read AS total_tokens,
    NULL::VARCHAR AS parent_session_id
FROM (
    SELECT m.file_id, m.session_id, m.line_no, m.dedupe_key,
        m.message_id, m.request_id, m.ts, m.model, m.is_sidechain,
        coalesce(m.input_tokens, 0) AS input_tokens,
        coalesce(m.output_tokens, 0) AS output_tokens,
        coalesce(m.cache_creation_tokens,
                 coalesce(m.cache_5m_tokens, 0) + coalesce(m.cache_1h_tokens, 0)) AS cache_creation,
        -- a 1h figure above the total is capped; the rest of the writes are 5m
        least(coalesce(m.cache_1h_tokens, 0), cache_creation) AS cache_1h,
        coalesce(m.cache_read_tokens, 0) AS cache_read
    FROM raw_messages m
    WHERE m.dedupe_key IS NOT NULL
)
UNION ALL
SELECT file_id, session_id, line_no, dedupe_key, message_id, request_id, ts, model,
    is_sidechain, input_tokens, output_tokens, cache_creation_tokens, cache_5m_tokens,
    cache_1h_tokens, cache_read_tokens, reasoning_tokens, total_tokens, parent_session_id
FROM usage_events;
