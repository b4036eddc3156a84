-- Staff assigned to an exam beyond its owner. An instructor may read the
-- exams they own or are assigned to, a TA only those they are assigned to, and
-- an org admin every exam of the organization.
CREATE TABLE exam_staff (
  org_id      bigint NOT NULL,
  exam_id     bigint NOT NULL,
  user_id     bigint NOT NULL,
  role        text NOT NULL CHECK (role IN ('instructor', 'ta')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, exam_id, user_id),
  FOREIGN KEY (org_id, exam_id) REFERENCES exams (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, user_id) REFERENCES staff_users (org_id, id)
);

ALTER TABLE exam_staff ENABLE ROW LEVEL SECURITY;
ALTER TABLE exam_staff FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_select ON exam_staff FOR SELECT USING (org_id = app_org_id());
CREATE POLICY tenant_insert ON exam_staff FOR INSERT WITH CHECK (org_id = app_org_id());
CREATE POLICY tenant_update ON exam_staff FOR UPDATE USING (org_id = app_org_id())
  WITH CHECK (org_id = app_org_id());
CREATE POLICY tenant_delete ON exam_staff FOR DELETE USING (org_id = app_org_id());
CREATE POLICY owner_all ON exam_staff TO CURRENT_USER USING (true) WITH CHECK (true);

GRANT SELECT, INSERT, UPDATE, DELETE ON exam_staff TO exam_app;
