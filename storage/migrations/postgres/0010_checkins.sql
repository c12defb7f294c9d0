-- Follow-up check-ins months after a workshop, and what each one learned about each action.
-- A cohort's plan: days after its end date, as a JSON list; NULL means the default plan.
ALTER TABLE cohorts ADD COLUMN checkin_days TEXT;

-- One row per participant, workshop and planned round. The row is its own small state machine
-- (planned → sent → answered | unanswered; or missed, skipped, cancelled): `next_at` says when the
-- scheduler acts on it next (start, nudge, give up) and is NULL once it is settled.
CREATE TABLE checkins (
    id TEXT PRIMARY KEY,
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    cohort_id TEXT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    offset_days INTEGER NOT NULL,
    due_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'planned',
    next_at TEXT,
    nudges INTEGER NOT NULL DEFAULT 0,
    lease_until TEXT,
    run_id TEXT,
    sent_at TEXT,
    answered_at TEXT,
    UNIQUE (participant_id, cohort_id, offset_days)
);
CREATE INDEX checkins_next ON checkins (next_at) WHERE next_at IS NOT NULL;
CREATE INDEX checkins_cohort ON checkins (cohort_id, offset_days);

-- Every status report on an action, from a check-in or from /progress, kept as history.
CREATE TABLE action_updates (
    id BIGSERIAL PRIMARY KEY,
    action_id TEXT NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    checkin_id TEXT REFERENCES checkins (id) ON DELETE SET NULL,
    status TEXT NOT NULL,
    note TEXT,
    evidence TEXT,
    target_month TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX action_updates_participant ON action_updates (participant_id, created_at);
CREATE INDEX action_updates_checkin ON action_updates (checkin_id);
