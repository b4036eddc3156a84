-- Seats: the plan's seat limit counts the exam sessions open at once across
-- an organization (not submitted, deadline not passed). Counting them for
-- every join made a class that joins at once take turns on a count that
-- grows with the class. seat_counters holds, per organization, an upper
-- bound of the open sessions: a join adds one under the row's lock, and only
-- when the bound reaches the limit are the open sessions counted exactly and
-- the bound set to that count. A submitted or expired session therefore
-- frees its seat at the next exact count.

CREATE TABLE seat_counters (
  org_id   bigint PRIMARY KEY REFERENCES organizations (id),
  counted  bigint NOT NULL CHECK (counted >= 0)
);

ALTER TABLE seat_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE seat_counters FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_select ON seat_counters FOR SELECT USING (org_id = app_org_id());
CREATE POLICY tenant_insert ON seat_counters FOR INSERT WITH CHECK (org_id = app_org_id());
CREATE POLICY tenant_update ON seat_counters FOR UPDATE USING (org_id = app_org_id())
  WITH CHECK (org_id = app_org_id());
CREATE POLICY tenant_delete ON seat_counters FOR DELETE USING (org_id = app_org_id());
CREATE POLICY owner_all ON seat_counters TO CURRENT_USER USING (true) WITH CHECK (true);

-- Sessions opened before this table existed are counted now; a join in an
-- organization without a row starts the count at its own session.
INSERT INTO seat_counters (org_id, counted)
SELECT org_id, count(*) FROM exam_sessions
 WHERE submitted_at IS NULL AND deadline > now()
 GROUP BY org_id;

GRANT SELECT, INSERT, UPDATE ON seat_counters TO exam_app;
