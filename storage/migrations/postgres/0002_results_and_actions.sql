-- Scored assessment results, and the actions of participants' action plans.
CREATE TABLE assessment_results (
    run_id TEXT PRIMARY KEY,
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    flow_id TEXT NOT NULL,
    cohort_id TEXT REFERENCES cohorts (id) ON DELETE SET NULL,
    scores TEXT NOT NULL,
    completed_at TEXT NOT NULL
);
CREATE INDEX assessment_results_participant ON assessment_results (participant_id, flow_id);
CREATE INDEX assessment_results_cohort ON assessment_results (cohort_id, flow_id);

CREATE TABLE actions (
    id TEXT PRIMARY KEY,
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    run_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    sdg INTEGER NOT NULL,
    office TEXT NOT NULL,
    first_step TEXT NOT NULL,
    target_month TEXT NOT NULL,
    indicator TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'not_started',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX actions_participant ON actions (participant_id, position);
