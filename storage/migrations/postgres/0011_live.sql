-- The live room: questions to the room (prompts), their answers, Q&A, and the projector.

-- A question a facilitator asks the room. `texts` and `options` hold each text per language
-- (JSON); the first language given is the default.
CREATE TABLE prompts (
    id TEXT PRIMARY KEY,
    cohort_id TEXT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    texts TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '[]',
    multi INTEGER NOT NULL DEFAULT 0,
    scale_max INTEGER NOT NULL DEFAULT 5,
    state TEXT NOT NULL DEFAULT 'draft',
    revealed INTEGER NOT NULL DEFAULT 1,
    created_by TEXT,
    created_at TEXT NOT NULL,
    opened_at TEXT,
    closed_at TEXT
);
CREATE INDEX prompts_cohort ON prompts (cohort_id, created_at);

-- One answer per person (`seq` 0), or up to three for open questions (`seq` 0, 1, 2). Answering
-- again replaces; a facilitator may hide an answer from the projector.
CREATE TABLE prompt_answers (
    prompt_id TEXT NOT NULL REFERENCES prompts (id) ON DELETE CASCADE,
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    value TEXT NOT NULL,
    created_at TEXT NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (prompt_id, participant_id, seq)
);

-- Questions people send to the stage, and their upvotes (one per person and question).
CREATE TABLE qa_entries (
    id TEXT PRIMARY KEY,
    cohort_id TEXT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    prompt_id TEXT REFERENCES prompts (id) ON DELETE SET NULL,
    participant_id TEXT REFERENCES participants (id) ON DELETE SET NULL,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    answered INTEGER NOT NULL DEFAULT 0,
    hidden INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX qa_entries_cohort ON qa_entries (cohort_id, created_at);
CREATE TABLE qa_votes (
    entry_id TEXT NOT NULL REFERENCES qa_entries (id) ON DELETE CASCADE,
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (entry_id, participant_id)
);

-- What each workshop's projector shows now ({"kind": "prompt", "id": …}, {"kind": "ranking"}, …).
CREATE TABLE live_screens (
    cohort_id TEXT PRIMARY KEY REFERENCES cohorts (id) ON DELETE CASCADE,
    screen TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Read-only projector links: the token opens one workshop's projector view until revoked.
CREATE TABLE live_links (
    token TEXT PRIMARY KEY,
    cohort_id TEXT NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX live_links_cohort ON live_links (cohort_id);

-- The wording a facilitator chose for a barrier others were merged into; `text` stays as sent.
ALTER TABLE challenges ADD COLUMN wording TEXT;
