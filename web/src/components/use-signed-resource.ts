/**
 * A resource whose response carries signed media URLs (an asset, a
 * collection page): loaded when its key changes, loaded again a minute
 * before the first URL expires (and on return to a tab left open past that),
 * and on a media load error — at most once per 15 s, so a broken file cannot
 * make the page loop. Only answers for the key still shown are kept.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

const RENEW_BEFORE_MS = 60_000;
const ERROR_REFETCH_GAP_MS = 15_000;

export function useSignedResource<T>(
  key: string,
  fetcher: (signal?: AbortSignal) => Promise<T>,
  /** The expiry instants (ISO strings) of the URLs in a response. */
  expiries: (data: T) => string[],
) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const lastErrorRefetch = useRef(0);
  const currentKey = useRef(key);
  currentKey.current = key;

  const load = useCallback(
    async (signal?: AbortSignal) => {
      // An answer for a key no longer shown (or an aborted load) is dropped: a fetcher may ignore
      // the signal (e.g. a prefetched promise), and its late answer must not replace the new key's.
      const stale = () => signal?.aborted || currentKey.current !== key;
      try {
        const fresh = await fetcher(signal);
        if (stale()) return;
        setData(fresh);
        setError(null);
      } catch (err) {
        if (!stale()) setError(err);
      }
    },
    [key],
  );

  useEffect(() => {
    setData(null);
    setError(null);
    const ctl = new AbortController();
    void load(ctl.signal);
    return () => ctl.abort();
  }, [load]);

  useEffect(() => {
    if (!data) return;
    const times = expiries(data)
      .map((t) => Date.parse(t))
      .filter(Number.isFinite);
    if (!times.length) return;
    const due = () => Math.min(...times) - RENEW_BEFORE_MS - Date.now();
    const timer = setTimeout(() => void load(), Math.max(5_000, due()));
    const onVisible = () => {
      if (document.visibilityState === 'visible' && due() <= 0) void load();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [data, load]);

  const onMediaError = useCallback(() => {
    const now = Date.now();
    if (now - lastErrorRefetch.current < ERROR_REFETCH_GAP_MS) return;
    lastErrorRefetch.current = now;
    void load();
  }, [load]);

  return { data, setData, error, setError, load, onMediaError };
}
