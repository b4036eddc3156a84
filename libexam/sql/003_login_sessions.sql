-- Staff sign-in from a browser: login sessions (one row per sign-in, found by
-- the SHA-256 of the cookie's secret) and failed sign-in attempts, which the
-- per-account rate limit counts. Both are tenant tables with the same keys and
-- row-level security as those of 001_initial.sql. Times come from examd's
-- clock, not now(), so that tests can move them.

CREATE TABLE login_sessions (
  org_id        bigint NOT NULL,
  id            bigint GENERATED ALWAYS AS IDENTITY,
  user_id       bigint NOT NULL,
  token_hash    bytea NOT NULL CHECK (length(token_hash) = 32),
  user_agent    text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 512),
  created_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,  -- absolute expiry; idle expiry is examd's setting
  revoked_at    timestamptz,
  PRIMARY KEY (org_id, id),
  UNIQUE (org_id, token_hash),
  FOREIGN KEY (org_id, user_id) REFERENCES staff_users (org_id, id),
  CHECK (expires_at > created_at)
);
CREATE INDEX login_sessions_by_hash ON login_sessions (token_hash);
CREATE INDEX login_sessions_by_user ON login_sessions (org_id, user_id);

CREATE TABLE login_failures (
  org_id     bigint NOT NULL,
  id         bigint GENERATED ALWAYS AS IDENTITY,
  user_id    bigint NOT NULL,
  failed_at  timestamptz NOT NULL,
  PRIMARY KEY (org_id, id),
  FOREIGN KEY (org_id, user_id) REFERENCES staff_users (org_id, id)
);
CREATE INDEX login_failures_by_user ON login_failures (org_id, user_id, failed_at);

DO $$
DECLARE
  tenant_table text;
BEGIN
  FOREACH tenant_table IN ARRAY ARRAY['login_sessions', 'login_failures']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tenant_table);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', tenant_table);
    EXECUTE format('CREATE POLICY tenant_select ON %I FOR SELECT USING (org_id = app_org_id())',
                   tenant_table);
    EXECUTE format('CREATE POLICY tenant_insert ON %I FOR INSERT WITH CHECK (org_id = app_org_id())',
                   tenant_table);
    EXECUTE format('CREATE POLICY tenant_update ON %I FOR UPDATE USING (org_id = app_org_id()) '
                   'WITH CHECK (org_id = app_org_id())', tenant_table);
    EXECUTE format('CREATE POLICY tenant_delete ON %I FOR DELETE USING (org_id = app_org_id())',
                   tenant_table);
    EXECUTE format('CREATE POLICY owner_all ON %I TO CURRENT_USER USING (true) WITH CHECK (true)',
                   tenant_table);
  END LOOP;
END
$$;

-- Sign-in by email, before the tenant is known. Returns one row per
-- organization in which the email belongs to a staff user with a password.
-- The password hash leaves the database because argon2id verification runs
-- in examd; exam_app can read it through staff_users in its tenant anyway.
CREATE FUNCTION resolve_staff_login(p_email text)
  RETURNS TABLE (org_id bigint, org_slug text, user_id bigint, password_hash text, role text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT u.org_id, o.slug, u.id, u.password_hash, u.role
      FROM staff_users u
      JOIN organizations o ON o.id = u.org_id
     WHERE u.email = lower(p_email) AND u.password_hash IS NOT NULL
     ORDER BY o.slug
  $$;

-- The login session behind a cookie, by the SHA-256 of its secret. examd
-- checks revocation and both expiries itself, against its own clock.
CREATE FUNCTION resolve_login_session(p_token_hash bytea)
  RETURNS TABLE (org_id bigint, session_id bigint, user_id bigint, role text,
                 created_at timestamptz, last_seen_at timestamptz, expires_at timestamptz,
                 revoked_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT s.org_id, s.id, s.user_id, u.role, s.created_at, s.last_seen_at, s.expires_at,
           s.revoked_at
      FROM login_sessions s
      JOIN staff_users u ON u.org_id = s.org_id AND u.id = s.user_id
     WHERE s.token_hash = p_token_hash
  $$;

REVOKE ALL ON FUNCTION resolve_staff_login(text), resolve_login_session(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION resolve_staff_login(text), resolve_login_session(bytea) TO exam_app;

GRANT SELECT, INSERT, UPDATE ON login_sessions TO exam_app;
GRANT SELECT, INSERT, DELETE ON login_failures TO exam_app;
