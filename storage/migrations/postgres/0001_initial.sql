-- Participants, cohorts, runs, answers, inbound dedupe marks and the transactional outbox.
CREATE TABLE participants (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    locale TEXT NOT NULL,
    created_at TEXT NOT NULL,
    name TEXT,
    municipality TEXT,
    country TEXT,
    role TEXT,
    consent INTEGER,
    consent_at TEXT,
    onboarded INTEGER NOT NULL DEFAULT 0,
    opted_out INTEGER NOT NULL DEFAULT 0,
    unreachable INTEGER NOT NULL DEFAULT 0,
    last_inbound_at TEXT,
    UNIQUE (channel, address)
);

CREATE TABLE cohorts (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    locale TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX cohorts_code ON cohorts (lower(code));

CREATE TABLE memberships (
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    cohort_id TEXT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    joined_at TEXT NOT NULL,
    table_no INTEGER,
    PRIMARY KEY (participant_id, cohort_id)
);
CREATE INDEX memberships_cohort ON memberships (cohort_id);

CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    flow_id TEXT NOT NULL,
    flow_version INTEGER NOT NULL,
    step TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    completed_at TEXT
);
CREATE INDEX runs_participant ON runs (participant_id, status);

CREATE TABLE answers (
    id BIGSERIAL PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    flow_id TEXT NOT NULL,
    step_id TEXT NOT NULL,
    raw TEXT NOT NULL,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX answers_participant ON answers (participant_id);
CREATE INDEX answers_run ON answers (run_id);

-- No participant id here on purpose: the marks outlive an erased participant and hold nothing personal.
CREATE TABLE inbound_marks (
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (channel, external_id)
);

CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    participant_id TEXT REFERENCES participants (id) ON DELETE SET NULL,
    payload TEXT NOT NULL,
    priority INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before TEXT NOT NULL,
    lease_until TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    error TEXT,
    external_id TEXT,
    dedupe_key TEXT COLLATE "C" UNIQUE,
    erase_after_send INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_due ON outbox (status, channel, priority, id);
CREATE INDEX outbox_address ON outbox (channel, address, status);
