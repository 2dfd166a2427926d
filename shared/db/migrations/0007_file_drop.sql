CREATE TYPE "public"."drop_kinds" AS ENUM('any', 'images', 'videos');--> statement-breakpoint
CREATE TABLE "link_uploads" (
	"asset_id" uuid PRIMARY KEY NOT NULL,
	"link_id" uuid NOT NULL,
	"uploader_name" text NOT NULL,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "share_links" ADD COLUMN "allow_upload" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "share_links" ADD COLUMN "drop_only" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "share_links" ADD COLUMN "upload_kinds" "drop_kinds" DEFAULT 'any' NOT NULL;--> statement-breakpoint
ALTER TABLE "share_links" ADD COLUMN "max_upload_files" integer;--> statement-breakpoint
ALTER TABLE "share_links" ADD COLUMN "max_upload_bytes" bigint;--> statement-breakpoint
ALTER TABLE "share_links" ADD COLUMN "max_upload_file_size" bigint;--> statement-breakpoint
ALTER TABLE "share_links" ADD COLUMN "upload_files" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "share_links" ADD COLUMN "upload_bytes" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "link_uploads" ADD CONSTRAINT "link_uploads_asset_id_assets_id_fk" FOREIGN KEY ("asset_id") REFERENCES "public"."assets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_uploads" ADD CONSTRAINT "link_uploads_link_id_share_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."share_links"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "link_uploads_link_idx" ON "link_uploads" USING btree ("link_id");--> statement-breakpoint
-- hand-written below
-- The edge records who dropped a file and never changes or removes it (the asset's purge cascades).
REVOKE UPDATE, DELETE ON link_uploads FROM media_edge;--> statement-breakpoint
-- Ingest refuses a file whose bytes are not of the kinds its upload link takes (origin/pipeline/ingest.ts).
GRANT SELECT ON link_uploads TO media_pipeline;--> statement-breakpoint
GRANT SELECT (id, upload_kinds) ON share_links TO media_pipeline;
