/**
 * The SPA declares camera RAWs by extension when the browser gives no type
 * (web/src/components/file-types.ts): its list must be the pipeline's
 * (shared/profiles/image.ts RAW_TYPES), and a browser's own type wins.
 */
import { describe, expect, it } from 'vitest';
import { RAW_TYPES } from '../../shared/profiles/image.ts';
import { declaredType, IMAGE_FILE_TYPES, RAW_EXTENSION_TYPES } from '../../web/src/components/file-types.ts';

describe('RAW types in the SPA', () => {
  it('are exactly the types the pipeline recognises', () => {
    expect(new Set(Object.values(RAW_EXTENSION_TYPES))).toEqual(RAW_TYPES);
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
