/** The viewer's pure parts: zoom about a point, pan limits, which variant to load, history depth. */
import { describe, expect, test } from 'vitest';
import { closeAction, depthOf, neighbour, pushedState } from '../../web/src/viewer/history.ts';
import { clampPan, clampScale, FIT, MAX_SCALE, pickVariant, wheelFactor, zoomAt } from '../../web/src/viewer/zoom.ts';

const stage = { w: 1000, h: 800 };
const fitted = { w: 1000, h: 750 };

describe('zoom', () => {
  test('scale stays between fit and the maximum', () => {
    expect(clampScale(0.2)).toBe(1);
    expect(clampScale(100)).toBe(MAX_SCALE);
    expect(clampScale(Number.NaN)).toBe(1);
  });

  test('the point under the cursor stays put', () => {
    const at = { x: 200, y: -100 };
    const v = zoomAt(FIT, 2, at, stage, fitted);
    expect(v.scale).toBe(2);
    // An image point p (from the centre, at scale 1) is drawn at t + s·p; the one under `at` stays there.
    const p = { x: (at.x - FIT.x) / FIT.scale, y: (at.y - FIT.y) / FIT.scale };
    expect(v.x + v.scale * p.x).toBeCloseTo(at.x);
    expect(v.y + v.scale * p.y).toBeCloseTo(at.y);
  });

  test('zooming back to 1 recentres; pan never leaves empty stage beside the image', () => {
    expect(zoomAt({ scale: 3, x: 400, y: 300 }, 0.5, { x: 0, y: 0 }, stage, fitted)).toEqual(FIT);
    const v = clampPan({ scale: 2, x: 5000, y: -5000 }, stage, fitted);
    expect(v).toEqual({ scale: 2, x: 500, y: -350 });
    // An image narrower than the stage cannot move sideways at all.
    expect(clampPan({ scale: 1.2, x: 50, y: 0 }, stage, { w: 400, h: 750 }).x).toBe(0);
  });

  test('wheel: down zooms out, up zooms in, bounded per event', () => {
    expect(wheelFactor(100)).toBeLessThan(1);
    expect(wheelFactor(-100)).toBeGreaterThan(1);
    expect(wheelFactor(-1e6)).toBe(wheelFactor(-300));
  });

  test('variants: the smallest covering the screen; the original only past w1024 and only when allowed', () => {
    const v = [1024, 150, 640, 320].map((width) => ({ width, url: `w${width}` }));
    const original = { width: 4000, url: 'original' };
    expect(pickVariant(v, 500, original)?.url).toBe('w640');
    expect(pickVariant(v, 1024, original)?.url).toBe('w1024');
    expect(pickVariant(v, 2000, original)?.url).toBe('original');
    expect(pickVariant(v, 2000, null)?.url).toBe('w1024');
    // A small original (no larger than the biggest variant) is never fetched.
    expect(pickVariant(v, 2000, { width: 1024, url: 'original' })?.url).toBe('w1024');
    expect(pickVariant([], 100, null)).toBeNull();
  });
});

describe('history', () => {
  test('each viewer entry counts the ones before it; closing goes back past them all', () => {
    const first = pushedState(null);
    const second = pushedState(first);
    expect(depthOf(first)).toBe(1);
    expect(depthOf(second)).toBe(2);
    expect(closeAction(second)).toEqual({ kind: 'back', steps: 2 });
  });

  test('an address opened directly (or a foreign state) is replaced, not gone back from', () => {
    for (const s of [null, undefined, {}, { mediaViewerDepth: -1 }, { mediaViewerDepth: 1.5 }, 'x'])
      expect(closeAction(s)).toEqual({ kind: 'replace' });
  });

  test('neighbours stop at the ends and for ids not in the list', () => {
    const ids = ['a', 'b', 'c'];
    expect(neighbour(ids, 'b', 1)).toBe('c');
    expect(neighbour(ids, 'b', -1)).toBe('a');
    expect(neighbour(ids, 'c', 1)).toBeNull();
    expect(neighbour(ids, 'a', -1)).toBeNull();
    expect(neighbour(ids, 'z', 1)).toBeNull();
  });
});
