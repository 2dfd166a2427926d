/**
 * What the pipeline records about an original in `assets.metadata`: EXIF
 * (camera, date taken, GPS, orientation) read with exifr, and dimensions.
 * Values are strings and numbers only, short and free of control characters:
 * the string values feed the asset's full-text search vector, so nothing
 * binary (thumbnails, maker notes, ICC blobs) is ever stored here.
 *
 * The EXIF stays in `assets.metadata` only; derivatives are written without
 * it (see image.ts).
 */
import exifr from 'exifr';

export type AssetMetadata = Record<string, string | number>;

const MAX_STRING = 200;

/** Just the tags we keep; exifr skips the rest of the file's segments. */
const EXIF_OPTIONS: Parameters<typeof exifr.parse>[1] = {
  tiff: true,
  exif: true,
  gps: true,
  ifd1: false,
  interop: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  makerNote: false,
  userComment: false,
  translateKeys: true,
  translateValues: false,
  reviveValues: false,
  mergeOutput: true,
  pick: [
    'Make',
    'Model',
    'LensModel',
    'DateTimeOriginal',
    'CreateDate',
    'Orientation',
    'GPSLatitude',
    'GPSLatitudeRef',
    'GPSLongitude',
    'GPSLongitudeRef',
  ],
};

export interface ExifFacts {
  cameraMake?: string;
  cameraModel?: string;
  lens?: string;
  /** `YYYY-MM-DDTHH:MM:SS` as the camera wrote it (EXIF has no time zone). */
  takenAt?: string;
  gpsLatitude?: number;
  gpsLongitude?: number;
  /** EXIF orientation 1-8. */
  orientation?: number;
}

/**
 * EXIF of a local file. Missing or unreadable EXIF is not an error: an empty
 * object is returned, because metadata never decides whether an asset is usable.
 */
export async function readExif(file: string | Uint8Array): Promise<ExifFacts> {
  let raw: Record<string, unknown> | undefined;
  try {
    raw = (await exifr.parse(file as string, EXIF_OPTIONS)) as Record<string, unknown> | undefined;
  } catch {
    return {};
  }
  if (!raw) return {};
  const facts: ExifFacts = {};
  const make = cleanString(raw.Make);
  const model = cleanString(raw.Model);
  const lens = cleanString(raw.LensModel);
  const taken = exifDate(raw.DateTimeOriginal) ?? exifDate(raw.CreateDate);
  if (make) facts.cameraMake = make;
  if (model) facts.cameraModel = model;
  if (lens) facts.lens = lens;
  if (taken) facts.takenAt = taken;
  const orientation = Number(raw.Orientation);
  if (Number.isInteger(orientation) && orientation >= 1 && orientation <= 8) facts.orientation = orientation;
  const lat = gpsDegrees(raw.GPSLatitude, raw.GPSLatitudeRef, 'S');
  const lon = gpsDegrees(raw.GPSLongitude, raw.GPSLongitudeRef, 'W');
  if (lat !== undefined && lon !== undefined && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
    facts.gpsLatitude = round(lat, 6);
    facts.gpsLongitude = round(lon, 6);
  }
  return facts;
}

/** True when EXIF orientation swaps width and height (the 90° rotations). */
export function swapsAxes(orientation: number | undefined): boolean {
  return orientation !== undefined && orientation >= 5 && orientation <= 8;
}

/** Merges facts into the metadata object, dropping anything that is not a short string or a finite number. */
export function toMetadata(...parts: Record<string, unknown>[]): AssetMetadata {
  const out: AssetMetadata = {};
  for (const part of parts) {
    for (const [k, v] of Object.entries(part)) {
      if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
      else if (typeof v === 'string') {
        const s = cleanString(v);
        if (s) out[k] = s;
      }
    }
  }
  return out;
}

function cleanString(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const s = v
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_STRING);
  return s || undefined;
}

/** `2024:05:01 12:34:56` → `2024-05-01T12:34:56`; anything else is dropped. */
function exifDate(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d{4}):(\d\d):(\d\d)[ T](\d\d):(\d\d):(\d\d)/.exec(v.trim());
  if (!m || m[1] === '0000') return undefined;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
}

/** EXIF GPS [degrees, minutes, seconds] plus its N/S or E/W reference → signed decimal degrees. */
function gpsDegrees(dms: unknown, ref: unknown, negative: string): number | undefined {
  const parts = Array.isArray(dms) ? dms.map(Number) : typeof dms === 'number' ? [dms] : [];
  if (parts.length === 0 || parts.some((n) => !Number.isFinite(n))) return undefined;
  const [d = 0, m = 0, s = 0] = parts;
  const deg = d + m / 60 + s / 3600;
  return typeof ref === 'string' && ref.trim().toUpperCase() === negative ? -deg : deg;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
