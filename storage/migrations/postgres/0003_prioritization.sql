-- Challenge prioritization rounds (session 6): one per cohort.
CREATE TABLE rounds (
    cohort_id TEXT PRIMARY KEY REFERENCES cohorts (id) ON DELETE CASCADE,
    phase TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Contributions outlive an erased participant, anonymized: they belong to the group's result.
CREATE TABLE challenges (
    id TEXT PRIMARY KEY,
    cohort_id TEXT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    participant_id TEXT REFERENCES participants (id) ON DELETE SET NULL,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0,
    merged_into TEXT
);
CREATE INDEX challenges_cohort ON challenges (cohort_id, created_at);

CREATE TABLE votes (
    cohort_id TEXT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    ranking TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (cohort_id, participant_id)
);

CREATE TABLE solutions (
    id TEXT PRIMARY KEY,
    cohort_id TEXT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    participant_id TEXT REFERENCES participants (id) ON DELETE SET NULL,
    table_no INTEGER,
    challenge_id TEXT,
    consequences TEXT NOT NULL,
    text TEXT NOT NULL,
    impact INTEGER NOT NULL,
    effort INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX solutions_cohort ON solutions (cohort_id);
