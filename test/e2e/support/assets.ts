/**
 * Accounts and assets made through the API for browser tests that are about
 * what comes after the upload (the viewer, accessibility): register, upload
 * with a presigned PUT, wait for the pipeline, and sign a page in through the UI.
 */
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { E2E_PASSWORD } from './api.ts';
import type { E2eStack } from './stack.ts';

export interface E2eUser {
  id: string;
  email: string;
  name: string;
  token: string;
}

export async function registerUser(stack: E2eStack, name: string, prefix = 'e2e'): Promise<E2eUser> {
  const email = `${prefix}-${crypto.randomUUID()}@example.test`;
  const res = await fetch(`${stack.url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: stack.url },
    body: JSON.stringify({ email, password: E2E_PASSWORD, name }),
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { accessToken: string; user: { id: string } };
  return { id: body.user.id, email, name, token: body.accessToken };
}

/** POST /api/uploads, then PUT the bytes to the presigned URL; the asset's id. */
export async function uploadAsset(
  stack: E2eStack,
  user: Pick<E2eUser, 'token'>,
  filename: string,
  contentType: string,
  bytes: Buffer,
): Promise<string> {
  const res = await fetch(`${stack.url}/api/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
    body: JSON.stringify({ filename, size: bytes.length, contentType }),
  });
  if (res.status !== 201) throw new Error(`upload start: ${res.status} ${await res.text()}`);
  const start = (await res.json()) as { assetId: string; url: string; headers: Record<string, string> };
  const put = await fetch(start.url, { method: 'PUT', headers: start.headers, body: new Uint8Array(bytes) });
  if (!put.ok) throw new Error(`upload put: ${put.status} ${await put.text()}`);
  return start.assetId;
}

/** Waits until the asset's processing has ended; its final status. */
export async function settled(stack: E2eStack, user: E2eUser, assetId: string, timeoutMs = 90_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${stack.url}/api/assets/${assetId}/status`, { headers: { authorization: `Bearer ${user.token}` } });
    const s = (await res.json()) as { status: string };
    if (!['pending', 'uploaded', 'processing'].includes(s.status)) return s.status;
    if (Date.now() > until) throw new Error(`asset ${assetId} still ${s.status}`);
    await new Promise((r) => setTimeout(r, 400));
  }
}

/** A photo-sized JPEG (1600×1000) with a tinted gradient and camera EXIF; `gps` adds a position. */
export async function photo(tint: number, gps?: { lat: number; lon: number }): Promise<Buffer> {
  const width = 1600;
  const height = 1000;
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      rgb[i] = Math.round((x / width) * 255);
      rgb[i + 1] = (tint + Math.round((y / height) * 160)) % 256;
      rgb[i + 2] = (x >> 6) % 2 === (y >> 6) % 2 ? 180 : 60;
    }
  }
  const dms = (v: number) => {
    const a = Math.abs(v);
    const d = Math.floor(a);
    const m = Math.floor((a - d) * 60);
    const s = Math.round(((a - d) * 60 - m) * 60 * 100);
    return `${d}/1 ${m}/1 ${s}/100`;
  };
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .withExif({
      IFD0: { Make: 'E2ECam', Model: 'Model Seven' },
      IFD2: { DateTimeOriginal: '2024:05:01 12:34:56' },
      ...(gps
        ? {
            IFD3: {
              GPSLatitudeRef: gps.lat >= 0 ? 'N' : 'S',
              GPSLatitude: dms(gps.lat),
              GPSLongitudeRef: gps.lon >= 0 ? 'E' : 'W',
              GPSLongitude: dms(gps.lon),
            },
          }
        : {}),
    })
    .toBuffer();
}

/** Signs `page` in through the sign-in form and waits for the library. */
export async function signIn(page: Page, stack: E2eStack, user: E2eUser): Promise<void> {
  await page.goto(`${stack.url}/login`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(E2E_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${stack.url}/`);
}
