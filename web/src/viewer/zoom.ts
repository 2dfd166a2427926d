/**
 * Zoom and pan arithmetic for the viewer's image (pure, unit-tested). The
 * image is laid out to fit the stage at scale 1 and transformed with
 * `translate(x, y) scale(s)` about its centre; points are given relative to
 * the stage's centre, in CSS pixels.
 */

export interface View {
  scale: number;
  x: number;
  y: number;
}

export interface Size {
  w: number;
  h: number;
}

export const MIN_SCALE = 1;
export const MAX_SCALE = 8;
export const FIT: View = { scale: 1, x: 0, y: 0 };

export const clampScale = (s: number) => Math.min(MAX_SCALE, Math.max(MIN_SCALE, Number.isFinite(s) ? s : 1));

/** Keeps the translation inside the image: no empty stage beside an image larger than it. */
export function clampPan(view: View, stage: Size, fitted: Size): View {
  const maxX = Math.max(0, (fitted.w * view.scale - stage.w) / 2);
  const maxY = Math.max(0, (fitted.h * view.scale - stage.h) / 2);
  const clamp = (v: number, m: number) => Math.min(m, Math.max(-m, v)) || 0;
  return { scale: view.scale, x: clamp(view.x, maxX), y: clamp(view.y, maxY) };
}

/**
 * Zooms to `scale` keeping the image point under `at` (relative to the stage
 * centre) where it is, then clamps the pan.
 */
export function zoomAt(view: View, scale: number, at: { x: number; y: number }, stage: Size, fitted: Size): View {
  const s = clampScale(scale);
  if (s === MIN_SCALE) return FIT;
  const k = s / view.scale;
  return clampPan({ scale: s, x: at.x - k * (at.x - view.x), y: at.y - k * (at.y - view.y) }, stage, fitted);
}

/** A wheel's deltaY (pixels) as a zoom factor: smooth for trackpads, ~1.2x per mouse notch. */
export const wheelFactor = (deltaY: number) => Math.exp(-Math.max(-300, Math.min(300, deltaY)) * 0.0018);

/** One keyboard step (+ / -). */
export const KEY_STEP = 1.5;

/**
 * Which file to show: the smallest width variant covering the pixels on
 * screen (fitted width × scale × device pixel ratio); past the largest, the
 * original when the caller may have it, else the largest variant.
 */
export function pickVariant<T extends { width: number }>(variants: readonly T[], neededPx: number, original: T | null): T | null {
  const sorted = [...variants].sort((a, b) => a.width - b.width);
  const fit = sorted.find((v) => v.width >= neededPx);
  if (fit) return fit;
  const largest = sorted[sorted.length - 1] ?? null;
  if (original && (!largest || original.width > largest.width)) return original;
  return largest;
}
