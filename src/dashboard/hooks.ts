// Preact hooks over the live board: re-render on its changes, and on a clock for "12s ago".
import { useEffect, useMemo, useState } from 'preact/hooks';
import { throttle } from 'throttle-debounce';
import type { LiveBoard } from './live.js';

/** Re-renders the component whenever `board` changes (at most once per frame). */
export function useBoard(board: LiveBoard): number {
  const [version, setVersion] = useState(board.version);
  useEffect(() => board.subscribe(() => setVersion(board.version)), [board]);
  return version;
}

/** The time now (ms), updated every `everyMs`. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** `value`, changed at most every `everyMs` (the last change always lands): for reads a change triggers. */
export function useThrottled<T>(value: T, everyMs: number): T {
  const [shown, setShown] = useState(value);
  const update = useMemo(() => throttle(everyMs, (next: T) => setShown(() => next)), [everyMs]);
  useEffect(() => update(value), [value, update]);
  useEffect(() => () => update.cancel(), [update]);
  return shown;
}
