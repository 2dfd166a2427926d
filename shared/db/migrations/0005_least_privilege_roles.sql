-- Least-privilege login roles. Migrations run as the master user (on RDS the
-- instance's master, which owns every table), and nothing else does: the
-- edge, the pipeline Lambdas and the purge each log in as one of these roles.
-- They are created WITH LOGIN but without a password, so nobody can log in as
-- them until Secrets Manager's rotation sets one (infra/constructs/db-roles.ts).
-- Roles are cluster-wide: creation tolerates a role another database (or a
-- concurrent migration) already made.
DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['media_edge', 'media_pipeline', 'media_purge'] LOOP
    BEGIN
      EXECUTE format('CREATE ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE', r);
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END LOOP;
END $$;
--> statement-breakpoint
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO media_edge, media_pipeline, media_purge;
--> statement-breakpoint
-- The edge: the DML its routes need on every table, except that it never
-- deletes an asset row (only the purge does, DESIGN: "Nothing else deletes
-- bytes") and never rewrites the audit log.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO media_edge;
--> statement-breakpoint
REVOKE DELETE ON assets FROM media_edge;
--> statement-breakpoint
REVOKE UPDATE, DELETE ON audit_log FROM media_edge;
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO media_edge;
--> statement-breakpoint
-- Tables later migrations create (as this same user) reach the edge with full
-- DML; narrow them in their own migration where the edge needs less.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO media_edge;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO media_edge;
--> statement-breakpoint
-- The pipeline (ingest, MediaConvert completion, sweeper): processing state of
-- assets, derivatives and jobs, abandoned uploads, and the expired-row sweep.
GRANT SELECT, UPDATE ON assets, uploads TO media_pipeline;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON derivatives, jobs TO media_pipeline;
--> statement-breakpoint
GRANT SELECT, DELETE ON rate_counters, refresh_tokens TO media_pipeline;
--> statement-breakpoint
-- The purge: deletes an expired asset row (its derivatives, jobs, uploads,
-- tags and collection items go by ON DELETE CASCADE, run as the table owner),
-- its grants and links, and appends to the audit log. SELECT ... FOR UPDATE
-- needs an UPDATE privilege: one column, the least useful to change.
GRANT SELECT, DELETE ON assets, grants, share_links TO media_purge;
--> statement-breakpoint
GRANT UPDATE (updated_at) ON assets TO media_purge;
--> statement-breakpoint
GRANT INSERT ON audit_log TO media_purge;
--> statement-breakpoint
GRANT USAGE ON SEQUENCE audit_log_id_seq TO media_purge;
