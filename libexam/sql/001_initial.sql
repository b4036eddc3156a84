-- The first schema. Every tenant-owned table has org_id as the first column of
-- its primary key, of its unique keys and of its foreign keys, and row-level
-- security ENABLED and FORCED with one policy per command that compares org_id
-- to the transaction's app.org_id. examd connects as exam_app, which owns
-- nothing and cannot bypass row-level security. This file runs as the owner
-- role (exam_owner in scripts/local-pg), which also gets a policy that shows
-- it every row: it owns the tables and could turn row-level security off
-- anyway, and `examctl admin` runs as it.

-- The tenant of the current transaction, or NULL when none is set. An unset
-- setting reads as '' once the connection has used it, hence NULLIF.
CREATE FUNCTION app_org_id() RETURNS bigint
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('app.org_id', true), '')::bigint $$;

CREATE TABLE organizations (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  seat_limit  integer NOT NULL DEFAULT 500 CHECK (seat_limit >= 0),
  exam_limit  integer NOT NULL DEFAULT 100 CHECK (exam_limit >= 0),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff_users (
  org_id         bigint NOT NULL REFERENCES organizations (id),
  id             bigint GENERATED ALWAYS AS IDENTITY,
  email          text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
  name           text NOT NULL DEFAULT '',
  role           text NOT NULL CHECK (role IN ('admin', 'instructor', 'ta')),
  password_hash  text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, email)
);

CREATE TABLE api_tokens (
  org_id        bigint NOT NULL,
  id            bigint GENERATED ALWAYS AS IDENTITY,
  user_id       bigint NOT NULL,
  token_hash    bytea NOT NULL CHECK (length(token_hash) = 32),
  name          text NOT NULL DEFAULT '',
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz,
  last_used_at  timestamptz,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, token_hash),
  FOREIGN KEY (org_id, user_id) REFERENCES staff_users (org_id, id)
);
CREATE INDEX api_tokens_by_hash ON api_tokens (token_hash);

CREATE TABLE exams (
  org_id            bigint NOT NULL REFERENCES organizations (id),
  id                bigint GENERATED ALWAYS AS IDENTITY,
  slug              text NOT NULL,
  title             text NOT NULL,
  language          text NOT NULL CHECK (language = 'python'),
  duration_minutes  integer NOT NULL CHECK (duration_minutes BETWEEN 1 AND 1440),
  opens_at          timestamptz,
  closes_at         timestamptz,
  state             text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'published', 'closed')),
  owner_id          bigint NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  published_at      timestamptz,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, slug),
  FOREIGN KEY (org_id, owner_id) REFERENCES staff_users (org_id, id),
  CHECK (closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at)
);

CREATE TABLE questions (
  org_id     bigint NOT NULL,
  exam_id    bigint NOT NULL,
  key        text NOT NULL,
  position   integer NOT NULL,
  title      text NOT NULL,
  prompt_md  text NOT NULL,
  starter    text NOT NULL,
  tests      text NOT NULL,
  PRIMARY KEY (org_id, exam_id, key),
  UNIQUE (org_id, exam_id, position),
  FOREIGN KEY (org_id, exam_id) REFERENCES exams (org_id, id) ON DELETE CASCADE
);

CREATE TABLE roster_entries (
  org_id         bigint NOT NULL,
  id             bigint GENERATED ALWAYS AS IDENTITY,
  exam_id        bigint NOT NULL,
  student_id     text NOT NULL CHECK (length(student_id) BETWEEN 1 AND 64),
  name           text NOT NULL,
  email          text NOT NULL DEFAULT '',
  extra_minutes  integer NOT NULL DEFAULT 0 CHECK (extra_minutes BETWEEN 0 AND 1440),
  invite_hash    bytea NOT NULL CHECK (length(invite_hash) = 32),
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, exam_id, student_id),
  UNIQUE (org_id, invite_hash),
  FOREIGN KEY (org_id, exam_id) REFERENCES exams (org_id, id) ON DELETE CASCADE
);
CREATE INDEX roster_entries_by_invite ON roster_entries (invite_hash);

-- One student's attempt at one exam. The deadline is computed by the server
-- when the session starts: start + duration + extra minutes, cut at closes_at.
CREATE TABLE exam_sessions (
  org_id           bigint NOT NULL,
  id               bigint GENERATED ALWAYS AS IDENTITY,
  exam_id          bigint NOT NULL,
  roster_entry_id  bigint NOT NULL,
  started_at       timestamptz NOT NULL DEFAULT now(),
  deadline         timestamptz NOT NULL,
  submitted_at     timestamptz,
  submit_seq       bigint,
  acked_seq        bigint NOT NULL DEFAULT 0,
  last_event_at    timestamptz,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, roster_entry_id),
  FOREIGN KEY (org_id, exam_id) REFERENCES exams (org_id, id),
  FOREIGN KEY (org_id, roster_entry_id) REFERENCES roster_entries (org_id, id)
);
CREATE INDEX exam_sessions_by_exam ON exam_sessions (org_id, exam_id);

-- Bearer secrets that a student's page holds for its exam session; one per
-- join, so a student can continue on another computer.
CREATE TABLE session_tokens (
  org_id      bigint NOT NULL,
  token_hash  bytea NOT NULL CHECK (length(token_hash) = 32),
  session_id  bigint NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, token_hash),
  FOREIGN KEY (org_id, session_id) REFERENCES exam_sessions (org_id, id)
);
CREATE INDEX session_tokens_by_hash ON session_tokens (token_hash);

CREATE TABLE events (
  org_id        bigint NOT NULL,
  session_id    bigint NOT NULL,
  seq           bigint NOT NULL CHECK (seq >= 1),
  type          text NOT NULL,
  question_key  text,
  client_time   timestamptz NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  payload       jsonb NOT NULL,
  PRIMARY KEY (org_id, session_id, seq),
  FOREIGN KEY (org_id, session_id) REFERENCES exam_sessions (org_id, id)
);

-- A seq sent again with other content: kept for reviewers, never applied.
CREATE TABLE event_conflicts (
  org_id       bigint NOT NULL,
  id           bigint GENERATED ALWAYS AS IDENTITY,
  session_id   bigint NOT NULL,
  seq          bigint NOT NULL,
  payload      jsonb NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, session_id) REFERENCES exam_sessions (org_id, id)
);

CREATE TABLE snapshots (
  org_id        bigint NOT NULL,
  session_id    bigint NOT NULL,
  seq           bigint NOT NULL,
  question_key  text NOT NULL,
  text          text NOT NULL,
  sha256        text NOT NULL,
  PRIMARY KEY (org_id, session_id, seq),
  FOREIGN KEY (org_id, session_id, seq) REFERENCES events (org_id, session_id, seq)
);

-- The final text of each question, replayed from the events when the exam
-- session is submitted.
CREATE TABLE submissions (
  org_id        bigint NOT NULL,
  session_id    bigint NOT NULL,
  question_key  text NOT NULL,
  text          text NOT NULL,
  sha256        text NOT NULL,
  submitted_at  timestamptz NOT NULL,
  PRIMARY KEY (org_id, session_id, question_key),
  FOREIGN KEY (org_id, session_id) REFERENCES exam_sessions (org_id, id)
);

-- Append-only: exam_app may insert and read, never change or delete.
CREATE TABLE audit_log (
  org_id       bigint NOT NULL REFERENCES organizations (id),
  id           bigint GENERATED ALWAYS AS IDENTITY,
  at           timestamptz NOT NULL DEFAULT now(),
  actor_kind   text NOT NULL CHECK (actor_kind IN ('operator', 'staff', 'student', 'system')),
  actor_id     bigint,
  action       text NOT NULL,
  object_kind  text NOT NULL DEFAULT '',
  object_id    bigint,
  detail       jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (org_id, id)
);

-- Row-level security: the same four policies on every tenant table, plus the
-- owner's. audit_log gets UPDATE and DELETE policies that match no row.
DO $$
DECLARE
  tenant_table text;
BEGIN
  FOREACH tenant_table IN ARRAY ARRAY['staff_users', 'api_tokens', 'exams', 'questions',
      'roster_entries', 'exam_sessions', 'session_tokens', 'events', 'event_conflicts',
      'snapshots', 'submissions', 'audit_log']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tenant_table);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', tenant_table);
    EXECUTE format('CREATE POLICY tenant_select ON %I FOR SELECT USING (org_id = app_org_id())',
                   tenant_table);
    EXECUTE format('CREATE POLICY tenant_insert ON %I FOR INSERT WITH CHECK (org_id = app_org_id())',
                   tenant_table);
    IF tenant_table = 'audit_log' THEN
      EXECUTE 'CREATE POLICY tenant_update ON audit_log FOR UPDATE USING (false)';
      EXECUTE 'CREATE POLICY tenant_delete ON audit_log FOR DELETE USING (false)';
    ELSE
      EXECUTE format('CREATE POLICY tenant_update ON %I FOR UPDATE USING (org_id = app_org_id()) '
                     'WITH CHECK (org_id = app_org_id())', tenant_table);
      EXECUTE format('CREATE POLICY tenant_delete ON %I FOR DELETE USING (org_id = app_org_id())',
                     tenant_table);
    END IF;
    EXECUTE format('CREATE POLICY owner_all ON %I TO CURRENT_USER USING (true) WITH CHECK (true)',
                   tenant_table);
  END LOOP;
END
$$;

ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_select ON organizations FOR SELECT USING (id = app_org_id());
CREATE POLICY tenant_insert ON organizations FOR INSERT WITH CHECK (false);
CREATE POLICY tenant_update ON organizations FOR UPDATE USING (false);
CREATE POLICY tenant_delete ON organizations FOR DELETE USING (false);
CREATE POLICY owner_all ON organizations TO CURRENT_USER USING (true) WITH CHECK (true);

-- Look-ups by secret, before the tenant is known. Each takes the SHA-256 of a
-- secret and returns the one row it belongs to. They run as their owner
-- (SECURITY DEFINER), whose owner_all policy shows every organization, and
-- return only ids: a caller learns nothing without the secret itself.
CREATE FUNCTION resolve_api_token(p_token_hash bytea)
  RETURNS TABLE (org_id bigint, token_id bigint, user_id bigint, role text,
                 expires_at timestamptz, revoked_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT t.org_id, t.id, t.user_id, u.role, t.expires_at, t.revoked_at
      FROM api_tokens t
      JOIN staff_users u ON u.org_id = t.org_id AND u.id = t.user_id
     WHERE t.token_hash = p_token_hash
  $$;

CREATE FUNCTION resolve_invite(p_invite_hash bytea)
  RETURNS TABLE (org_id bigint, exam_id bigint, roster_entry_id bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT r.org_id, r.exam_id, r.id FROM roster_entries r WHERE r.invite_hash = p_invite_hash
  $$;

CREATE FUNCTION resolve_session_token(p_token_hash bytea)
  RETURNS TABLE (org_id bigint, session_id bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT s.org_id, s.session_id FROM session_tokens s WHERE s.token_hash = p_token_hash
  $$;

REVOKE ALL ON FUNCTION resolve_api_token(bytea), resolve_invite(bytea),
  resolve_session_token(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION resolve_api_token(bytea), resolve_invite(bytea),
  resolve_session_token(bytea) TO exam_app;

GRANT SELECT ON organizations TO exam_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON staff_users, api_tokens, exams, questions,
  roster_entries, exam_sessions, session_tokens, events, event_conflicts, snapshots,
  submissions TO exam_app;
GRANT SELECT, INSERT ON audit_log TO exam_app;
