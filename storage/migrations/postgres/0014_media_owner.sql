-- Whose chart an image is (the address it was sent to), so /delete can remove it with them.
ALTER TABLE media ADD COLUMN owner TEXT;
CREATE INDEX media_owner ON media (owner);
