/**
 * The SPA declares camera RAWs by extension when the browser gives no type
 * (web/src/components/file-types.ts), with the pipeline's list; a browser's own type wins.
 */
import { describe, expect, it } from 'vitest';
import { RAW_EXTENSION_TYPES, RAW_TYPES } from '../../shared/profiles/image.ts';
import { declaredType, IMAGE_FILE_TYPES } from '../../web/src/components/file-types.ts';

describe('RAW types in the SPA', () => {
  it('are the types the pipeline recognises, one per extension', () => {
    expect(new Set(Object.values(RAW_EXTENSION_TYPES))).toEqual(RAW_TYPES);
    expect(RAW_TYPES.has('image/x-adobe-dng')).toBe(true);
  });

  it('fill an empty or generic type from the extension, in any case; a browser type or another extension stays', () => {
    expect(declaredType('IMG_0001.DNG', '')).toBe('image/x-adobe-dng');
    expect(declaredType('a.nef', 'application/octet-stream')).toBe('image/x-nikon-nef');
    expect(declaredType('a.dng', 'image/tiff')).toBe('image/tiff');
    expect(declaredType('a.bin', '')).toBe('');
    expect(declaredType('dng', undefined)).toBeUndefined();
  });

  it('let an images-only link pick them by extension', () => {
    expect(IMAGE_FILE_TYPES).toContain('image/*');
    expect(IMAGE_FILE_TYPES).toContain('.cr2');
  });
});
