-- An API token carries its own role, at most its user's, so a token can be
-- minted with fewer rights than the person who made it. NULL means the
-- user's role, which is what tokens made before this migration had.
ALTER TABLE api_tokens
  ADD COLUMN role text CHECK (role IN ('admin', 'instructor', 'ta'));

CREATE OR REPLACE FUNCTION resolve_api_token(p_token_hash bytea)
  RETURNS TABLE (org_id bigint, token_id bigint, user_id bigint, role text,
                 expires_at timestamptz, revoked_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
  AS $$
    SELECT t.org_id, t.id, t.user_id,
           -- The weaker of the token's and the user's role.
           CASE WHEN t.role IS NULL THEN u.role
                WHEN t.role = 'ta' OR u.role = 'ta' THEN 'ta'
                WHEN t.role = 'instructor' OR u.role = 'instructor' THEN 'instructor'
                ELSE 'admin' END,
           t.expires_at, t.revoked_at
      FROM api_tokens t
      JOIN staff_users u ON u.org_id = t.org_id AND u.id = t.user_id
     WHERE t.token_hash = p_token_hash
  $$;
