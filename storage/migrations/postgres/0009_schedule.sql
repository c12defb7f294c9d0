-- Flows Minga starts for someone at a given time (a facilitator's /launch now; check-ins months
-- later): one row each, claimed under a lease, so a restart or a second worker starts each once.
CREATE TABLE scheduled (
    id BIGSERIAL PRIMARY KEY,
    participant_id TEXT NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    flow_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    due_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'due',
    lease_until TEXT,
    dedupe_key TEXT COLLATE "C" UNIQUE,
    created_at TEXT NOT NULL,
    done_at TEXT
);
CREATE INDEX scheduled_due ON scheduled (status, due_at);
