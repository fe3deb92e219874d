-- The audit chain keyed: each row records which hash made it ('sha256' for rows written before
-- the node had an audit key, 'hmac' once the chain is keyed), and the head carries a keyed tag of
-- (seq, hash) so that the end of the chain cannot be moved back without the key. The key itself
-- lives in the key file, never in the database.
ALTER TABLE audit_log ADD COLUMN scheme TEXT NOT NULL DEFAULT 'sha256';
ALTER TABLE audit_head ADD COLUMN tag TEXT;
