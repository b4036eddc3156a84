-- The platform operator, who is outside every organization, gets a
-- credential of its own: a bearer secret ("eop_" and 32 random bytes) of
-- which only the SHA-256 is stored, in a table that belongs to no
-- organization. examd accepts it on the /api/operator/ routes. exam_app has
-- no privilege on these tables. It reaches them only through the SECURITY
-- DEFINER functions below, and every function that acts checks the
-- credential's hash itself, so examd's role still cannot change a plan on
-- its own. The owner role (`examctl admin operator`) creates and revokes
-- credentials.

CREATE TABLE operator_credentials (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  name        text NOT NULL DEFAULT '' CHECK (length(name) <= 100),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);

-- Changes to operator credentials, which belong to no organization's
-- audit_log. A plan change is recorded in the organization's audit_log,
-- where its org admins read it.
CREATE TABLE operator_audit_log (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at             timestamptz NOT NULL DEFAULT now(),
  credential_id  bigint,  -- the acting credential; NULL for the owner role
  action         text NOT NULL,
  object_kind    text NOT NULL DEFAULT '',
  object_id      bigint,
  detail         jsonb NOT NULL DEFAULT '{}'
);

ALTER TABLE operator_credentials ENABLE ROW LEVEL SECURITY;
ALTER TABLE operator_credentials FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_all ON operator_credentials TO CURRENT_USER USING (true) WITH CHECK (true);
ALTER TABLE operator_audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE operator_audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY owner_all ON operator_audit_log TO CURRENT_USER USING (true) WITH CHECK (true);
REVOKE ALL ON operator_credentials, operator_audit_log FROM PUBLIC;

-- The credential behind a hash, for examd's authentication. examd checks
-- expiry and revocation against its own clock, as for API tokens.
CREATE FUNCTION resolve_operator_credential(p_token_hash bytea)
  RETURNS TABLE (credential_id bigint, name text, expires_at timestamptz, revoked_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT c.id, c.name, c.expires_at, c.revoked_at
      FROM operator_credentials c
     WHERE c.token_hash = p_token_hash
  $$;

-- Returns the id of the credential with this hash when it is neither revoked
-- nor expired (by the database's clock), and raises SQLSTATE 28000
-- (invalid_authorization_specification) otherwise.
CREATE FUNCTION operator_credential_id(p_token_hash bytea) RETURNS bigint
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
DECLARE
  found_id bigint;
BEGIN
  SELECT c.id INTO found_id
    FROM operator_credentials c
   WHERE c.token_hash = p_token_hash AND c.revoked_at IS NULL AND c.expires_at > now();
  IF found_id IS NULL THEN
    RAISE EXCEPTION 'no valid operator credential has this hash'
      USING ERRCODE = 'invalid_authorization_specification';
  END IF;
  RETURN found_id;
END
$$;

-- Every organization with its plan and what it uses now: exams that are not
-- closed (what exam_limit counts) and exam sessions open now (what
-- seat_limit counts).
CREATE FUNCTION operator_list_organizations(p_token_hash bytea)
  RETURNS TABLE (org_id bigint, slug text, name text, seat_limit integer, exam_limit integer,
                 created_at timestamptz, open_exams bigint, open_sessions bigint,
                 staff_users bigint)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
#variable_conflict use_column
BEGIN
  PERFORM operator_credential_id(p_token_hash);
  RETURN QUERY
    SELECT o.id, o.slug, o.name, o.seat_limit, o.exam_limit, o.created_at,
           (SELECT count(*) FROM exams e WHERE e.org_id = o.id AND e.state <> 'closed'),
           (SELECT count(*) FROM exam_sessions s
             WHERE s.org_id = o.id AND s.submitted_at IS NULL AND s.deadline > now()),
           (SELECT count(*) FROM staff_users u WHERE u.org_id = o.id)
      FROM organizations o
     ORDER BY o.slug;
END
$$;

-- Sets an organization's plan for the operator whose credential has this
-- hash, and writes the change to that organization's audit_log in the same
-- transaction. A NULL limit keeps its value. Raises 28000 for an invalid
-- credential, P0002 (no_data_found) for an unknown organization and 22023
-- (invalid_parameter_value) for a limit outside 0 to 1000000.
CREATE FUNCTION operator_set_plan(p_token_hash bytea, p_org_slug text, p_seat_limit integer,
                                  p_exam_limit integer)
  RETURNS TABLE (org_id bigint, slug text, seat_limit integer, exam_limit integer)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
#variable_conflict use_column
DECLARE
  acting_id bigint;
  target organizations%ROWTYPE;
  new_seats integer;
  new_exams integer;
BEGIN
  acting_id := operator_credential_id(p_token_hash);
  IF p_seat_limit IS NULL AND p_exam_limit IS NULL THEN
    RAISE EXCEPTION 'give seat_limit, exam_limit or both' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_seat_limit NOT BETWEEN 0 AND 1000000 OR p_exam_limit NOT BETWEEN 0 AND 1000000 THEN
    RAISE EXCEPTION 'limits must be from 0 to 1000000' USING ERRCODE = 'invalid_parameter_value';
  END IF;

  SELECT * INTO target FROM organizations o WHERE o.slug = p_org_slug FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'organization "%" not found', p_org_slug USING ERRCODE = 'no_data_found';
  END IF;
  new_seats := COALESCE(p_seat_limit, target.seat_limit);
  new_exams := COALESCE(p_exam_limit, target.exam_limit);

  UPDATE organizations o SET seat_limit = new_seats, exam_limit = new_exams WHERE o.id = target.id;
  INSERT INTO audit_log (org_id, actor_kind, actor_id, action, object_kind, object_id, detail)
  VALUES (target.id, 'operator', acting_id, 'plan.change', 'organization', target.id,
          jsonb_build_object('seat_limit', jsonb_build_array(target.seat_limit, new_seats),
                             'exam_limit', jsonb_build_array(target.exam_limit, new_exams)));
  RETURN QUERY SELECT target.id, target.slug, new_seats, new_exams;
END
$$;

REVOKE ALL ON FUNCTION resolve_operator_credential(bytea), operator_credential_id(bytea),
  operator_list_organizations(bytea), operator_set_plan(bytea, text, integer, integer)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION resolve_operator_credential(bytea), operator_list_organizations(bytea),
  operator_set_plan(bytea, text, integer, integer) TO exam_app;
