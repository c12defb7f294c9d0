-- Peers' progress: whether a person agreed to share how their actions go with their workshop.
ALTER TABLE participants ADD COLUMN share_progress INTEGER NOT NULL DEFAULT 0;

-- A check-in round whose people have all answered or given up: its report went to the
-- facilitators and its digest to the members, once.
CREATE TABLE checkin_rounds_done (
    cohort_id TEXT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    offset_days INTEGER NOT NULL,
    done_at TEXT NOT NULL,
    PRIMARY KEY (cohort_id, offset_days)
);
