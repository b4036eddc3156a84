-- How an exam session ended. 'submit': the student's submit event was
-- stored. 'timeout': the deadline plus the ingestion grace period passed
-- without one, and examd stored the submission from the stored events with
-- submitted_at at the deadline. NULL while the session has no submission,
-- so ended_by is set exactly when submitted_at is. A submit event made in
-- time and delivered after a timeout turns 'timeout' into 'submit'.
--
-- exam_sessions keeps the row-level security of 001_initial.sql: the new
-- column and index fall under its existing policies.
ALTER TABLE exam_sessions
  ADD COLUMN ended_by text CHECK (ended_by IN ('submit', 'timeout'));
UPDATE exam_sessions SET ended_by = 'submit' WHERE submitted_at IS NOT NULL;
ALTER TABLE exam_sessions
  ADD CONSTRAINT exam_sessions_ended_with_submission
    CHECK ((ended_by IS NULL) = (submitted_at IS NULL));

-- The sessions still without a submission, by deadline: what examd's timeout
-- sweep searches, per organization and across organizations.
CREATE INDEX exam_sessions_without_submission ON exam_sessions (org_id, deadline)
  WHERE submitted_at IS NULL;

-- The organizations that have exam sessions with no submission and a
-- deadline before p_deadline_before. examd's timeout sweep calls it with
-- its own clock's time minus the grace period, then ends the sessions one
-- organization at a time with app.org_id set. exam_app cannot list
-- organizations itself, so this runs as its owner (SECURITY DEFINER), whose
-- owner_all policies show every row. It returns organization ids only.
CREATE FUNCTION organizations_with_timed_out_sessions(p_deadline_before timestamptz)
  RETURNS TABLE (org_id bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT DISTINCT s.org_id
      FROM exam_sessions s
     WHERE s.submitted_at IS NULL AND s.deadline < p_deadline_before
     ORDER BY s.org_id
  $$;

REVOKE ALL ON FUNCTION organizations_with_timed_out_sessions(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION organizations_with_timed_out_sessions(timestamptz) TO exam_app;
