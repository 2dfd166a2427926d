CREATE TYPE "public"."invitation_status" AS ENUM('pending', 'accepted', 'declined', 'revoked');--> statement-breakpoint
CREATE TABLE "org_invitations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"email" text NOT NULL,
	"role" "org_role" DEFAULT 'member' NOT NULL,
	"invited_by" uuid,
	"status" "invitation_status" DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"responded_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "assets" ADD COLUMN "visibility_set_by" uuid;--> statement-breakpoint
ALTER TABLE "assets" ADD COLUMN "ingested_etag" text;--> statement-breakpoint
ALTER TABLE "assets" ADD COLUMN "ingested_version_id" text;--> statement-breakpoint
ALTER TABLE "collection_items" ADD COLUMN "added_by" uuid;--> statement-breakpoint
ALTER TABLE "collections" ADD COLUMN "visibility_set_by" uuid;--> statement-breakpoint
ALTER TABLE "org_invitations" ADD CONSTRAINT "org_invitations_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "org_invitations" ADD CONSTRAINT "org_invitations_invited_by_users_id_fk" FOREIGN KEY ("invited_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "org_invitations_pending_uq" ON "org_invitations" USING btree ("org_id","email") WHERE "org_invitations"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "org_invitations_email_idx" ON "org_invitations" USING btree ("email");--> statement-breakpoint
ALTER TABLE "assets" ADD CONSTRAINT "assets_visibility_set_by_users_id_fk" FOREIGN KEY ("visibility_set_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collection_items" ADD CONSTRAINT "collection_items_added_by_users_id_fk" FOREIGN KEY ("added_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collections" ADD CONSTRAINT "collections_visibility_set_by_users_id_fk" FOREIGN KEY ("visibility_set_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Existing rows under the new rule (docs/architecture.md, "The access rule"):
-- public assets and collections were made public by their owner; an item counts
-- as added by the collection's owner only when that person also owns the asset
-- (it was shared as before); other items were personal curation and share nothing.
UPDATE "assets" SET "visibility_set_by" = "owner_id" WHERE "visibility" = 'public';--> statement-breakpoint
UPDATE "collections" SET "visibility_set_by" = "owner_id" WHERE "visibility" = 'public';--> statement-breakpoint
UPDATE "collection_items" ci SET "added_by" = c."owner_id"
  FROM "collections" c, "assets" a
  WHERE c."id" = ci."collection_id" AND a."id" = ci."asset_id" AND a."owner_id" = c."owner_id";
