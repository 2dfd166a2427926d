/**
 * The viewer's image: fitted to the stage, zoomed by wheel, pinch,
 * double-click and the +/- keys (through `controls`), panned by dragging
 * when zoomed. As the zoom grows the next larger variant is fetched (up to
 * w1024, then the original only when the caller may download it) and swapped
 * in once loaded, so the picture never blanks. At scale 1 a horizontal
 * swipe steps to the next or previous asset (`onSwipe`).
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { clampPan, FIT, KEY_STEP, pickVariant, type Size, type View, wheelFactor, zoomAt } from './zoom.ts';

export interface ImageSource {
  url: string;
  width: number;
  height: number | null;
}

export interface ZoomControls {
  zoomBy(factor: number): void;
  reset(): void;
}

interface Props {
  /** Width variants (one per real width), any order. */
  variants: ImageSource[];
  /** The original, only when the caller may download it and a browser can show it. */
  original: ImageSource | null;
  placeholder: string | null;
  alt: string;
  controls: { current: ZoomControls | null };
  onSwipe: (dir: 1 | -1) => void;
  onError: () => void;
}

const SWIPE_PX = 60;

export function ZoomableImage({ variants, original, placeholder, alt, controls, onSwipe, onError }: Props) {
  const stage = useRef<HTMLDivElement>(null);
  const img = useRef<HTMLImageElement>(null);
  const [view, setView] = useState<View>(FIT);
  const viewRef = useRef(view);
  viewRef.current = view;
  const [shown, setShown] = useState<ImageSource | null>(null);
  const [loaded, setLoaded] = useState(false);
  const pointers = useRef(new Map<number, { x: number; y: number }>());
  const gesture = useRef<{ startX: number; startY: number; pinch: number | null; view: View; moved: boolean } | null>(null);

  const sizes = (): { stage: Size; fitted: Size; centre: { x: number; y: number } } | null => {
    const s = stage.current;
    const i = img.current;
    if (!s || !i) return null;
    const r = s.getBoundingClientRect();
    return {
      stage: { w: r.width, h: r.height },
      fitted: { w: i.offsetWidth, h: i.offsetHeight },
      centre: { x: r.left + r.width / 2, y: r.top + r.height / 2 },
    };
  };
  const zoomTo = (scale: number, client?: { x: number; y: number }) => {
    const m = sizes();
    if (!m) return;
    const at = client ? { x: client.x - m.centre.x, y: client.y - m.centre.y } : { x: 0, y: 0 };
    setView((v) => zoomAt(v, scale, at, m.stage, m.fitted));
  };

  controls.current = {
    zoomBy: (f) => zoomTo(viewRef.current.scale * f),
    reset: () => setView(FIT),
  };

  // The smallest variant covering the pixels on screen; larger ones as the zoom grows.
  const first = useMemo(() => pickVariant(variants, 640, null), [variants]);
  const [needed, setNeeded] = useState(0);
  useLayoutEffect(() => {
    const st = stage.current;
    const ratio = first?.height ? first.width / first.height : 4 / 3;
    // The fitted width follows from the stage and the picture's shape (the <img> may not be laid out yet).
    const fitted = st && st.clientWidth > 0 ? Math.min(st.clientWidth, st.clientHeight * ratio || st.clientWidth) : 640;
    setNeeded(fitted * view.scale * (window.devicePixelRatio || 1));
  }, [view.scale, first?.url]);
  // The original only on demand: once the caller zooms in past fit.
  const wanted = useMemo(
    () => pickVariant(variants, needed, view.scale > 1 ? original : null) ?? first,
    [variants, original, needed, first, view.scale > 1],
  );

  // A new asset: start at fit with the first variant.
  useEffect(() => {
    setView(FIT);
    setShown(first);
    // A cached image may have fired its load before this effect ran.
    const el = img.current;
    setLoaded(!!el && el.complete && el.naturalWidth > 0);
  }, [first?.url]);

  // Swap in a larger file only once it has loaded (never a smaller one: it is already covered).
  useEffect(() => {
    if (!wanted || !shown || wanted.url === shown.url || wanted.width <= shown.width) return;
    const pre = new Image();
    let live = true;
    pre.onload = () => live && setShown(wanted);
    pre.src = wanted.url;
    return () => {
      live = false;
    };
  }, [wanted?.url, shown?.url]);

  const src = shown ?? first;
  if (!src) return null;
  const w = variants.reduce((m, v) => Math.max(m, v.width), 0) || src.width;
  const ratio = src.height ? src.width / src.height : 4 / 3;
  return (
    <div
      ref={stage}
      role="group"
      aria-label="Image: zoom with + and -, the wheel or a pinch; 0 fits it again"
      class="viewer-stage"
      data-scale={view.scale.toFixed(2)}
      data-variant-width={src.width}
      onWheel={(e) => {
        e.preventDefault();
        zoomTo(viewRef.current.scale * wheelFactor(e.deltaY), { x: e.clientX, y: e.clientY });
      }}
      onDblClick={(e) => zoomTo(viewRef.current.scale > 1 ? 1 : 2.5, { x: e.clientX, y: e.clientY })}
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
        pointers.current.set(e.pointerId, { x: e.clientX, y: e.clientY });
        const pts = [...pointers.current.values()];
        const pinch = pts.length === 2 ? Math.hypot(pts[0]!.x - pts[1]!.x, pts[0]!.y - pts[1]!.y) : null;
        gesture.current = { startX: e.clientX, startY: e.clientY, pinch, view: viewRef.current, moved: false };
      }}
      onPointerMove={(e) => {
        const g = gesture.current;
        if (!g || !pointers.current.has(e.pointerId)) return;
        pointers.current.set(e.pointerId, { x: e.clientX, y: e.clientY });
        const pts = [...pointers.current.values()];
        const m = sizes();
        if (!m) return;
        if (pts.length === 2 && g.pinch) {
          const d = Math.hypot(pts[0]!.x - pts[1]!.x, pts[0]!.y - pts[1]!.y);
          const mid = { x: (pts[0]!.x + pts[1]!.x) / 2 - m.centre.x, y: (pts[0]!.y + pts[1]!.y) / 2 - m.centre.y };
          setView(zoomAt(g.view, (g.view.scale * d) / g.pinch, mid, m.stage, m.fitted));
          g.moved = true;
          return;
        }
        const dx = e.clientX - g.startX;
        const dy = e.clientY - g.startY;
        if (Math.abs(dx) + Math.abs(dy) > 4) g.moved = true;
        if (g.view.scale > 1) setView(clampPan({ ...g.view, x: g.view.x + dx, y: g.view.y + dy }, m.stage, m.fitted));
      }}
      onPointerUp={(e) => {
        const g = gesture.current;
        pointers.current.delete(e.pointerId);
        if (pointers.current.size > 0) return;
        gesture.current = null;
        if (!g || g.pinch || g.view.scale > 1) return;
        const dx = e.clientX - g.startX;
        if (Math.abs(dx) > SWIPE_PX && Math.abs(dx) > Math.abs(e.clientY - g.startY)) onSwipe(dx < 0 ? 1 : -1);
      }}
      onPointerCancel={(e) => {
        pointers.current.delete(e.pointerId);
        gesture.current = null;
      }}
    >
      <img
        ref={img}
        class={`viewer-image${loaded ? ' is-loaded' : ''}`}
        src={src.url}
        alt={alt}
        width={w}
        height={Math.round(w / ratio)}
        draggable={false}
        decoding="async"
        style={{
          transform: `translate(${view.x}px, ${view.y}px) scale(${view.scale})`,
          ...(placeholder && !loaded ? { backgroundImage: `url(${placeholder})` } : {}),
        }}
        onLoad={() => setLoaded(true)}
        onError={onError}
      />
    </div>
  );
}

export { KEY_STEP };
