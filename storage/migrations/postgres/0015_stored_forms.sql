-- Questionnaires facilitators upload (XLSForm spreadsheets), kept as the file they sent so every
-- worker reads the same form. A new upload of the same form_id is a new version; a run keeps
-- the version it started on, so old versions stay.
CREATE TABLE stored_forms (
    id TEXT PRIMARY KEY,
    flow_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    cohort_id TEXT REFERENCES cohorts (id) ON DELETE SET NULL,
    filename TEXT NOT NULL,
    title TEXT NOT NULL,
    body BYTEA NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (flow_id, version)
);
CREATE INDEX stored_forms_cohort ON stored_forms (cohort_id);
