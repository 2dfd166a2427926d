ALTER TABLE "assets" ADD COLUMN "taken_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE INDEX "assets_owner_taken_idx" ON "assets" USING btree ("owner_id","taken_at" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "assets_taken_idx" ON "assets" USING btree ("taken_at" DESC NULLS LAST,"id");--> statement-breakpoint
-- hand-written below
-- When the photo was taken: EXIF metadata.takenAt (`YYYY-MM-DDTHH:MM:SS`, the
-- camera's wall clock, read as UTC since EXIF has no zone), else created_at.
-- Anything unparsable falls back rather than failing the write.
CREATE OR REPLACE FUNCTION asset_taken_at(meta jsonb, created timestamptz) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE v text := meta->>'takenAt';
BEGIN
  IF v IS NULL OR v !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$' THEN
    RETURN created;
  END IF;
  RETURN (v || 'Z')::timestamptz;
EXCEPTION WHEN others THEN
  RETURN created;
END $$;
--> statement-breakpoint
-- Kept by the database, so ingest (which merges EXIF into metadata), direct
-- inserts and restores all agree without each writer knowing the rule.
CREATE OR REPLACE FUNCTION assets_set_taken_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.taken_at := asset_taken_at(NEW.metadata, NEW.created_at);
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER assets_taken_at BEFORE INSERT OR UPDATE OF metadata, created_at ON assets
  FOR EACH ROW EXECUTE FUNCTION assets_set_taken_at();
--> statement-breakpoint
-- Backfill the rows that existed before this migration.
UPDATE assets SET taken_at = asset_taken_at(metadata, created_at);
