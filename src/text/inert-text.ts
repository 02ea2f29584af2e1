// Making text a job produced inert before it reaches a terminal or a log line: escape sequences
// and control characters go (colours may stay). Used by the renderers and by the queue's workers,
// which sanitize output before it leaves their machine.
import stripAnsi from 'strip-ansi';

// C0 controls except tab and newline, DEL, and C1 controls (0x80-0x9f, which some terminals
// honour as 8-bit escape sequence introducers).
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

// A colour or style (SGR): ESC [ parameters m. It changes how text looks, never the screen or the clipboard.
// eslint-disable-next-line no-control-regex
const SGR_SEQUENCE = /\u001b\[[0-9;:]*m/g;

/**
 * Makes text from a job safe to print: removes ANSI/VT escape sequences (CSI, OSC such as a
 * clipboard write or title change) and every remaining control character but tab and newline.
 * With `keepColours`, colours and styles (SGR sequences) stay: every other sequence goes (cursor
 * moves, erases, OSC 52 clipboard writes, window titles), each piece between two colours on its
 * own, so no sequence can be pieced together across a kept one.
 */
export function sanitizeText(text: string, options: { keepColours?: boolean } = {}): string {
  const strip = (piece: string): string => stripAnsi(piece).replace(CONTROL_CHARACTERS, '');
  if (!options.keepColours) return strip(text);
  let kept = '';
  let copied = 0;
  for (const match of text.matchAll(SGR_SEQUENCE)) {
    kept += strip(text.slice(copied, match.index)) + match[0];
    copied = match.index + match[0].length;
  }
  return kept + strip(text.slice(copied));
}

/** `sanitizeText`, then folds the result onto one line (newlines and tabs become spaces). */
export function sanitizeLine(text: string): string {
  return sanitizeText(text).replace(/[\t\n]+/g, ' ').trim();
}
