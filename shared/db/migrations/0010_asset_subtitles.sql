CREATE TABLE "asset_subtitles" (
	"asset_id" uuid NOT NULL,
	"stem" text NOT NULL,
	"language" text NOT NULL,
	"label" text NOT NULL,
	"cues" integer NOT NULL,
	"size" integer NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "asset_subtitles_asset_id_stem_pk" PRIMARY KEY("asset_id","stem")
);
--> statement-breakpoint
ALTER TABLE "asset_subtitles" ADD CONSTRAINT "asset_subtitles_asset_id_assets_id_fk" FOREIGN KEY ("asset_id") REFERENCES "public"."assets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "asset_subtitles" ADD CONSTRAINT "asset_subtitles_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
-- hand-written below
-- media_edge reads and writes subtitle rows through 0005's default privileges; the pipeline never
-- reads them, and the purge's cascade runs as the table owner.
