/**
 * Seeds a library for bench/library.ts: `users` users, `assets` assets spread
 * evenly over them and over two years, with titles, descriptions, tags and
 * metadata drawn from a small vocabulary (skewed, so some words are common
 * and some rare), thumbnails for images and videos, orgs, groups,
 * collections with items, and grants of every kind (some expired). The big
 * tables are filled by INSERT … SELECT inside the database (random() after
 * setseed, so a run is repeatable); the small ones from JS with a seeded PRNG.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../shared/db/database.ts';
import { collectionItems, collections, grants, groupMembers, groups, orgMembers, orgs, users } from '../shared/db/schema.ts';

export const WORDS = [
  'sunset',
  'beach',
  'mountain',
  'river',
  'forest',
  'city',
  'street',
  'portrait',
  'family',
  'wedding',
  'birthday',
  'holiday',
  'summer',
  'winter',
  'autumn',
  'spring',
  'snow',
  'rain',
  'storm',
  'cloud',
  'ocean',
  'lake',
  'island',
  'desert',
  'canyon',
  'valley',
  'bridge',
  'tower',
  'castle',
  'church',
  'market',
  'festival',
  'concert',
  'stage',
  'crowd',
  'dancer',
  'runner',
  'running',
  'runs',
  'walking',
  'hiking',
  'climbing',
  'swimming',
  'cycling',
  'skiing',
  'sailing',
  'fishing',
  'camping',
  'picnic',
  'garden',
  'flower',
  'tree',
  'leaf',
  'bird',
  'eagle',
  'horse',
  'dog',
  'cat',
  'puppy',
  'kitten',
  'car',
  'train',
  'plane',
  'boat',
  'harbour',
  'airport',
  'station',
  'road',
  'highway',
  'tunnel',
  'night',
  'morning',
  'evening',
  'noon',
  'dawn',
  'dusk',
  'light',
  'shadow',
  'reflection',
  'silhouette',
  'macro',
  'panorama',
  'aerial',
  'drone',
  'studio',
  'product',
  'food',
  'dinner',
  'breakfast',
  'coffee',
  'wine',
  'bread',
  'cake',
  'kitchen',
  'office',
  'meeting',
  'team',
  'launch',
  'demo',
  'workshop',
  'invoice',
  'contract',
  'report',
  'slides',
  'budget',
  'roadmap',
  'design',
  'sketch',
  'mockup',
  'logo',
  'interview',
  'podcast',
  'episode',
  'trailer',
  'teaser',
  'timelapse',
  'slowmotion',
  'vlog',
  'tutorial',
  'review',
  'glacier',
  'volcano',
  'waterfall',
  'meadow',
  'harvest',
  'vineyard',
  'lighthouse',
  'cathedral',
  'monastery',
  'aqueduct',
];
export const TAGS = [
  'favourite',
  'edited',
  'raw',
  'print',
  'web',
  'social',
  'archive',
  'client',
  'draft',
  'final',
  'approved',
  'rejected',
  'pending',
  'hero',
  'banner',
  'thumbnail',
  'press',
  'internal',
  'public',
  'legal',
  'family',
  'travel',
  'work',
  'sport',
  'nature',
  'urban',
  'night',
  'people',
  'animals',
  'food',
  'event',
  'product',
  'brand',
  'campaign',
  'q1',
  'q2',
  'q3',
  'q4',
  'team',
  'office',
];
const BRANDS = ['Canon', 'Nikon', 'Sony', 'Fujifilm', 'Leica', 'Olympus', 'Panasonic', 'Pentax', 'Hasselblad', 'Ricoh'];

function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const textArray = (xs: readonly string[]) => sql.raw(`(array[${xs.map((x) => `'${x.replaceAll("'", "''")}'`).join(',')}]::text[])`);

/**
 * The file name of asset number `i` (1-based, as generated), owned by
 * `userIds[i % users]`, in the trash when `i % 97 == 7`, public when `i % 199 == 0`.
 */
export function fileNameOf(i: number): string {
  const k = i % 20;
  const ext = k < 3 ? '.mp4' : k === 3 ? '.mp3' : k < 5 ? '.pdf' : k === 5 ? '.zip' : '.jpg';
  return `IMG_${String(i).padStart(6, '0')}${ext}`;
}

/** A live asset number of user `u`, for searches by file name. */
export function ownFileOf(u: number, users: number): string {
  let i = 1000 + u;
  while (i % 97 === 7) i += users;
  return fileNameOf(i);
}

export interface Seeded {
  userIds: string[];
  assetCount: number;
  grantCount: number;
}

async function insertBatches<T>(rows: T[], size: number, insert: (batch: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

export async function seedLibrary(db: Database, opts: { users: number; assets: number; log: (s: string) => void }): Promise<Seeded> {
  const rand = mulberry32(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const run = `bench-${Date.now()}`;

  const userRows = await db
    .insert(users)
    .values(
      Array.from({ length: opts.users }, (_, i) => ({
        email: `${run}-${String(i).padStart(3, '0')}@example.test`,
        name: `User ${i}`,
        passwordHash: 'x',
      })),
    )
    .returning({ id: users.id, email: users.email });
  const userIds = userRows.sort((a, b) => a.email.localeCompare(b.email)).map((u) => u.id);

  // Assets, in the database: owner round-robin, created every ~10 minutes back from now.
  const t0 = performance.now();
  const w = textArray(WORDS);
  const t = textArray(TAGS);
  const b = textArray(BRANDS);
  const word = sql`${w}[1 + floor(${WORDS.length} * power(random(), 2))::int]`; // skewed: low indexes are common
  await db.execute(sql`select setseed(0.42)`);
  await db.execute(sql`
    insert into assets (owner_id, filename, title, description, declared_type, detected_type, size, status,
      visibility, metadata, tags_text, created_at, updated_at, deleted_at, purge_after)
    select
      (${sql.raw(`array[${userIds.map((id) => `'${id}'`).join(',')}]::uuid[]`)})[1 + (i % ${opts.users})],
      'IMG_' || lpad(i::text, 6, '0') || (case k when 0 then '.mp4' when 1 then '.mp3' when 2 then '.pdf' when 3 then '.zip' else '.jpg' end),
      case when random() < 0.6 then initcap(${word}) || ' ' || ${word} end,
      case when random() < 0.8 then ${word} || ' ' || ${word} || ' near the ' || ${word} || ' at ' || ${word} || ' with ' || ${word} end,
      case k when 0 then 'video/mp4' when 1 then 'audio/mpeg' when 2 then 'application/pdf' when 3 then 'application/zip' else 'image/jpeg' end,
      case k when 0 then 'video/mp4' when 1 then 'audio/mpeg' when 2 then 'application/pdf' when 3 then 'application/zip' else 'image/jpeg' end,
      (100000 + random() * 5e6)::bigint,
      (case when random() < 0.95 then 'ready' when random() < 0.5 then 'processing' else 'failed' end)::asset_status,
      (case when i % 199 = 0 then 'public' else 'private' end)::visibility,
      case when k >= 4 then jsonb_build_object('exif', jsonb_build_object('make', ${b}[1 + floor(random() * 10)::int],
        'model', 'Model ' || (1 + floor(random() * 40))::int, 'iso', (100 * power(2, floor(random() * 6)))::int)) else '{}'::jsonb end,
      concat_ws(' ',
        case when random() < 0.5 then ${t}[1 + floor(random() * 13)::int] end,
        case when random() < 0.3 then ${t}[14 + floor(random() * 13)::int] end,
        case when random() < 0.2 then ${t}[27 + floor(random() * 14)::int] end),
      c, c,
      case when i % 97 = 7 then least(now(), c + interval '30 days') end,
      case when i % 97 = 7 then least(now(), c + interval '30 days') + interval '1826 days' end
    from (
      select i, (case when i % 20 < 3 then 0 when i % 20 = 3 then 1 when i % 20 < 5 then 2 when i % 20 = 5 then 3 else 4 end) as k,
        now() - (i * interval '10 minutes') - (random() * interval '9 minutes') as c
      from generate_series(1, ${opts.assets}) i
    ) g`);
  // Public by their owners' decision (the access rule weighs who made an asset public).
  await db.execute(sql`update assets set visibility_set_by = owner_id where visibility = 'public'`);
  opts.log(`assets: ${opts.assets} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // Tags and asset_tags from tags_text (as the tag code keeps them), thumbnails for images and videos.
  await db.execute(sql`insert into tags (owner_id, name)
    select distinct owner_id, t from assets, unnest(string_to_array(tags_text, ' ')) t where tags_text <> ''
    on conflict (owner_id, lower(name)) do nothing`);
  await db.execute(sql`insert into asset_tags (asset_id, tag_id)
    select distinct a.id, tg.id from assets a cross join lateral unnest(string_to_array(a.tags_text, ' ')) t
    join tags tg on tg.owner_id = a.owner_id and lower(tg.name) = lower(t) where a.tags_text <> ''
    on conflict do nothing`);
  await db.execute(sql`insert into derivatives (asset_id, kind, key, content_type, width, height, size, status)
    select id, k, id || '/' || k, 'image/webp', 320, 213, 12000, 'ready'
    from (select id, case when declared_type like 'video/%' then 'poster.jpg' else 'w320.webp' end as k
          from assets where declared_type like 'image/%' or declared_type like 'video/%') d`);
  opts.log(`tags, asset_tags, derivatives in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // Orgs of 10 users, two groups of 5 in each.
  const byOwner = new Map<string, string[]>(userIds.map((u) => [u, []]));
  const live = (await db.execute(sql`select id, owner_id from assets where deleted_at is null order by created_at desc`)) as unknown as {
    rows: { id: string; owner_id: string }[];
  };
  const ownerOf = new Map<string, string>();
  for (const r of live.rows) {
    byOwner.get(r.owner_id)?.push(r.id);
    ownerOf.set(r.id, r.owner_id);
  }
  const allAssets = live.rows.map((r) => r.id);
  const orgCount = Math.ceil(opts.users / 10);
  const orgRows = await db
    .insert(orgs)
    .values(Array.from({ length: orgCount }, (_, i) => ({ name: `Org ${i}`, slug: `${run}-org-${i}` })))
    .returning({ id: orgs.id });
  await db.insert(orgMembers).values(userIds.map((userId, i) => ({ orgId: orgRows[Math.floor(i / 10)]!.id, userId })));
  const groupRows = await db
    .insert(groups)
    .values(orgRows.flatMap((o, i) => [0, 1].map((g) => ({ orgId: o.id, name: `${run}-g${i}-${g}` }))))
    .returning({ id: groups.id });
  await db.insert(groupMembers).values(userIds.map((userId, i) => ({ groupId: groupRows[Math.floor(i / 5)]!.id, userId })));

  // Four collections per user, 50 of their own assets each.
  const colRows = await db
    .insert(collections)
    .values(userIds.flatMap((ownerId, i) => [0, 1, 2, 3].map((c) => ({ ownerId, name: `${pick(WORDS)} ${i}-${c}` }))))
    .returning({ id: collections.id, ownerId: collections.ownerId });
  const items = colRows.flatMap((c) => {
    const own = byOwner.get(c.ownerId)!;
    const chosen = new Set<string>();
    while (chosen.size < Math.min(50, own.length)) chosen.add(pick(own));
    return [...chosen].map((assetId, position) => ({ collectionId: c.id, assetId, position, addedBy: c.ownerId }));
  });
  await insertBatches(items, 2000, (batch) => db.insert(collectionItems).values(batch));

  // Grants: 40 assets of others to each user (10% expired), 100 assets to each group, each user's first collection to their org.
  const perms = ['view', 'download', 'edit', 'manage'] as const;
  const past = new Date(Date.now() - 86_400_000);
  const grantRows: (typeof grants.$inferInsert)[] = [];
  const seen = new Set<string>();
  // Every grant is made by the resource's owner, as the access rule needs to let it count.
  const colOwner = new Map(colRows.map((c) => [c.id, c.ownerId]));
  const add = (g: typeof grants.$inferInsert) => {
    const key = `${g.resourceType}/${g.resourceId}/${g.principalType}/${g.principalId}`;
    const grantedBy = g.resourceType === 'asset' ? ownerOf.get(g.resourceId) : colOwner.get(g.resourceId);
    if (!seen.has(key)) seen.add(key) && grantRows.push({ ...g, grantedBy });
  };
  userIds.forEach((u) => {
    for (let n = 0; n < 40; n++) {
      const a = pick(allAssets);
      if (!byOwner.get(u)!.includes(a))
        add({
          resourceType: 'asset',
          resourceId: a,
          principalType: 'user',
          principalId: u,
          permission: pick(perms),
          expiresAt: rand() < 0.1 ? past : null,
        });
    }
  });
  groupRows.forEach((g) => {
    for (let n = 0; n < 100; n++)
      add({ resourceType: 'asset', resourceId: pick(allAssets), principalType: 'group', principalId: g.id, permission: 'view' });
  });
  colRows.forEach((c, i) => {
    if (i % 4 === 0)
      add({
        resourceType: 'collection',
        resourceId: c.id,
        principalType: 'org',
        principalId: orgRows[Math.floor(i / 40)]!.id,
        permission: 'view',
      });
  });
  await insertBatches(grantRows, 2000, (batch) => db.insert(grants).values(batch));
  await db.execute(sql`analyze`);
  opts.log(
    `orgs, groups, ${colRows.length} collections, ${items.length} items, ${grantRows.length} grants; analyzed; ${((performance.now() - t0) / 1000).toFixed(1)} s in all`,
  );
  return { userIds, assetCount: opts.assets, grantCount: grantRows.length };
}
