-- Images Minga sends on channels that fetch them by URL (WhatsApp through Twilio): kept a week
-- under an unguessable token, so every worker can serve them and a restart loses none.
CREATE TABLE media (
    token TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    body BYTEA NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX media_created ON media (created_at);
