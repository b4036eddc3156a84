-- Per-session hash chain over the events, in seq order: events.chain_hash is
-- the head after that event and exam_sessions.chain_head the head at
-- acked_seq. submit_signature is the server's Ed25519 signature of the head
-- at the submit event.
ALTER TABLE events ADD COLUMN chain_hash bytea CHECK (length(chain_hash) = 32);
ALTER TABLE exam_sessions
  ADD COLUMN chain_head bytea NOT NULL DEFAULT decode(repeat('00', 32), 'hex')
    CHECK (length(chain_head) = 32),
  ADD COLUMN submit_signature text;
