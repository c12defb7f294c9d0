-- WhatsApp: which wording a person agreed to (their opt-in), and each message's delivery state
-- as the platform reports it later (queued, sent, delivered, read, failed, undelivered).
ALTER TABLE participants ADD COLUMN consent_wording TEXT;
ALTER TABLE outbox ADD COLUMN delivery_status TEXT;
ALTER TABLE outbox ADD COLUMN delivery_error TEXT;
ALTER TABLE outbox ADD COLUMN delivery_at TEXT;
CREATE INDEX outbox_external ON outbox (channel, external_id);
