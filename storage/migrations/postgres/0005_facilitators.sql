-- Facilitator broadcasts (a record per broadcast; each recipient's message is an outbox row
-- keyed 'broadcast:<id>:<participant>') and the audit log of every facilitator action.
CREATE TABLE broadcasts (
    id TEXT PRIMARY KEY,
    cohort_id TEXT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    author_id TEXT REFERENCES participants (id) ON DELETE SET NULL,
    audience TEXT NOT NULL,
    text TEXT,
    status TEXT NOT NULL,
    recipients INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    spread_seconds INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    confirmed_at TEXT
);
CREATE INDEX broadcasts_author ON broadcasts (author_id, status);
CREATE INDEX broadcasts_cohort ON broadcasts (cohort_id, created_at);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
