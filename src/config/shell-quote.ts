// Putting a value into a shell command line as data, never as code: a template's value spliced
// into a command that a shell runs (the sh agent's prompt, a command agent's task). Where the
// value lands decides how it is quoted, so the text before it is read as /bin/sh would: plain
// words, single and double quotes, backslashes, comments, and command substitutions. Pure.
import { TemplateError } from '../errors.js';

/** Where in a command line a value lands (see quoteShellValue). */
export type ShellContext = 'plain' | 'single' | 'double' | 'comment';

// One level of the reader: a context, and for a command substitution (`$( … )` or backquotes) how
// it ends. `depth` counts parentheses opened inside a `$( … )`.
interface Frame {
  context: ShellContext;
  ends?: ')' | '`';
  depth: number;
}

/** Reads shell text piece by piece, knowing at each point in which context the next value lands. */
export class ShellReader {
  private readonly frames: Frame[] = [{ context: 'plain', depth: 0 }];
  private isEscaped = false;
  private previous = '';

  /** The context the next character lands in. */
  get context(): ShellContext {
    return this.frames.at(-1)!.context;
  }

  /** True when the text read so far ends with a backslash that escapes what comes next. */
  get isEscaping(): boolean {
    return this.isEscaped;
  }

  /** Reads `text` (literal shell text, or a value already quoted for where it lands). */
  read(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const char = text[i]!;
      const frame = this.frames.at(-1)!;
      if (this.isEscaped) {
        this.isEscaped = false;
      } else if (frame.context === 'single') {
        if (char === "'") this.frames.pop();
      } else if (frame.context === 'comment') {
        if (char === '\n') this.frames.pop();
      } else if (char === '\\') {
        this.isEscaped = true;
      } else if (char === '$' && text[i + 1] === '(') {
        this.frames.push({ context: 'plain', ends: ')', depth: 0 });
        i++;
      } else if (char === '`') {
        if (frame.ends === '`') this.frames.pop();
        else this.frames.push({ context: 'plain', ends: '`', depth: 0 });
      } else if (frame.context === 'double') {
        if (char === '"') this.frames.pop();
      } else if (char === "'") {
        this.frames.push({ context: 'single', depth: 0 });
      } else if (char === '"') {
        this.frames.push({ context: 'double', depth: 0 });
      } else if (char === '#' && (this.previous === '' || /[\s;&|()]/.test(this.previous))) {
        this.frames.push({ context: 'comment', depth: 0 });
      } else if (char === '(' && frame.ends === ')') {
        frame.depth++;
      } else if (char === ')' && frame.ends === ')') {
        if (frame.depth === 0) this.frames.pop();
        else frame.depth--;
      }
      this.previous = char;
    }
  }
}

// Characters a word may hold unquoted without the shell reading anything into them (as Python's shlex.quote).
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * `value` written so that, landing in `context`, the shell reads it as exactly that text:
 * - plain: as it is when every character is safe (`src/a.test.ts`), else in single quotes, each
 *   `'` as `'\''` (`x; touch F` → `'x; touch F'`);
 * - inside single quotes: each `'` as `'\''`;
 * - inside double quotes: `$`, `` ` ``, `"` and `\` escaped with a backslash;
 * - in a comment: line breaks become spaces (a line break would end the comment).
 */
export function quoteShellValue(value: string, context: ShellContext): string {
  switch (context) {
    case 'plain':
      return SAFE_WORD.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
    case 'single':
      return value.replaceAll("'", "'\\''");
    case 'double':
      return value.replace(/[$`"\\]/g, '\\$&');
    case 'comment':
      return value.replace(/[\r\n]/g, ' ');
  }
}

/**
 * Checks that a value may land where `reader` stands. A backslash right before it would escape its
 * first character (its opening quote), so none is allowed.
 * @throws TemplateError TEMPLATE_INVALID naming the template and the placeholder.
 */
export function assertQuotable(reader: ShellReader, template: string, placeholder: string): void {
  if (reader.isEscaping) throw new TemplateError('TEMPLATE_INVALID', `Template ${template} puts {${placeholder}} right after a backslash in a shell command: remove the backslash, or write {raw:${placeholder}} to put the value in as typed.`);
}
