// Preact hooks over the live board: re-render on its changes, and on a clock for "12s ago".
import { useEffect, useState } from 'preact/hooks';
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
