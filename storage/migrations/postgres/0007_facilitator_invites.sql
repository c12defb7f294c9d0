-- Co-facilitators: a facilitator gives an invite code; whoever confirms it becomes one.
ALTER TABLE participants ADD COLUMN facilitator INTEGER NOT NULL DEFAULT 0;
CREATE TABLE facilitator_invites (
    code TEXT PRIMARY KEY,
    cohort_id TEXT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    created_by TEXT,
    created_at TEXT NOT NULL,
    used_by TEXT,
    used_at TEXT
);
