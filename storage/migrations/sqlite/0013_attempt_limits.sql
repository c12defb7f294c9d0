-- Limits a person's own messages count against (bot/participants/limits.py): messages in the
-- current burst window, and wrong workshop or invite codes in the current hour.
ALTER TABLE participants ADD COLUMN burst_since TEXT;
ALTER TABLE participants ADD COLUMN burst_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE participants ADD COLUMN guesses_since TEXT;
ALTER TABLE participants ADD COLUMN guesses INTEGER NOT NULL DEFAULT 0;

-- Which workshops a co-facilitator may act on (storage: facilitated_cohorts).
CREATE INDEX facilitator_invites_used_by ON facilitator_invites (used_by);
