ALTER TABLE "assets" drop column "search_vector";--> statement-breakpoint
ALTER TABLE "assets" ADD COLUMN "search_vector" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('simple', coalesce(title, '') || ' ' || filename)
          || to_tsvector('simple', translate(filename, '._', '  '))
          || to_tsvector('simple', regexp_replace(filename, '[._[:space:]-]+', ' ', 'g')), 'A')
        || setweight(to_tsvector('english', coalesce(description, '')), 'B')
        || setweight(to_tsvector('simple', tags_text), 'B')
        || setweight(jsonb_to_tsvector('simple', metadata, '["string"]'), 'C')) STORED;--> statement-breakpoint
-- Added by hand: dropping the column dropped its GIN index, and drizzle-kit
-- does not re-create an index it still sees in the snapshot.
CREATE INDEX "assets_search_idx" ON "assets" USING gin ("search_vector");
