-- Roles are cluster-wide: another database on the same server (a second install, a test
-- database) may have created them already, possibly at the same moment, hence the guards.
-- Creating a BYPASSRLS role needs a superuser (or, from PostgreSQL 16, a role that has BYPASSRLS):
-- on a managed database, create both roles once as the admin user (docs/deployment.md).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'corebase_app') THEN
    BEGIN
      CREATE ROLE corebase_app NOLOGIN NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'corebase_maintenance') THEN
    BEGIN
      CREATE ROLE corebase_maintenance NOLOGIN BYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  -- The connecting user must be able to SET ROLE to both (a superuser always can). On a managed
  -- server the admin has usually granted them already; granting again would need ADMIN OPTION.
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    IF NOT pg_has_role(current_user, 'corebase_app', 'MEMBER') THEN
      EXECUTE format('GRANT corebase_app TO %I', current_user);
    END IF;
    IF NOT pg_has_role(current_user, 'corebase_maintenance', 'MEMBER') THEN
      EXECUTE format('GRANT corebase_maintenance TO %I', current_user);
    END IF;
  END IF;
END
$$;
