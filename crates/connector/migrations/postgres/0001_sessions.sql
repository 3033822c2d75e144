-- Sessions, the user messages they received, and the agents' replies (PostgreSQL).
-- Kept column-for-column identical to ../sqlite/0001_sessions.sql: the store's queries are shared.

CREATE TABLE sessions (
    id             TEXT    PRIMARY KEY,
    connector      TEXT    NOT NULL,
    created_at_ms  BIGINT  NOT NULL,
    last_active_ms BIGINT  NOT NULL,
    -- User messages accepted so far; `max_messages` is enforced against this counter.
    message_count  BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE messages (
    session_id     TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    message_id     TEXT    NOT NULL,
    message_number BIGINT  NOT NULL,
    text           TEXT    NOT NULL,
    -- `payload.context` as JSON text, or NULL when the client sent none.
    context        TEXT,
    created_at_ms  BIGINT  NOT NULL,
    PRIMARY KEY (session_id, message_id),
    UNIQUE (session_id, message_number)
);

CREATE TABLE replies (
    session_id        TEXT    NOT NULL,
    message_id        TEXT    NOT NULL,
    agent             TEXT    NOT NULL,
    status            TEXT    NOT NULL
        CHECK (status IN ('streaming', 'completed', 'cancelled', 'failed', 'interrupted')),
    text              TEXT    NOT NULL DEFAULT '',
    prompt_tokens     BIGINT ,
    candidates_tokens BIGINT ,
    total_tokens      BIGINT ,
    usage_estimated   BOOLEAN NOT NULL DEFAULT FALSE,
    error             TEXT,
    started_at_ms     BIGINT  NOT NULL,
    finished_at_ms    BIGINT ,
    PRIMARY KEY (session_id, message_id, agent),
    FOREIGN KEY (session_id, message_id) REFERENCES messages (session_id, message_id) ON DELETE CASCADE
);

-- `mark_interrupted` looks for the replies a dead node left streaming.
CREATE INDEX replies_streaming ON replies (session_id) WHERE status = 'streaming';
