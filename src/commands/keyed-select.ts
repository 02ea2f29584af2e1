// A one-key choice on the terminal (enquirer's select): each choice has a key (`c` continue),
// arrows and Enter work as usual (but an Enter after stray typing is not an answer), and the
// selected row carries a `❯` marker, visible without colour. Its footer can change while it is open, and its owner can close it (the question
// became moot: the job was approved from elsewhere). A question that may open under typing hands
// the typing back instead (see KeyedSelectOptions.handsTypingBack).
import chalk from 'chalk';
import { GuardedInput, type KeyRoute } from './guarded-input.js';

/** One choice: `name` is returned, `message` shown, `key` (or one of its `aliases`) picks it at once. */
export interface KeyedChoice {
  name: string;
  message: string;
  key: string;
  aliases?: readonly string[];
}

/** Options of openKeyedSelect. */
export interface KeyedSelectOptions {
  message: string;
  choices: readonly KeyedChoice[];
  /** Index of the preselected choice (default 0). */
  initial?: number;
  /** Where it draws (default stderr). */
  stdout?: NodeJS.WriteStream;
  /** A line under the choices, read at every redraw (see `refresh`). */
  footer?: () => string;
  /**
   * For a question that opens by itself while a person may be typing something else (the REPL's
   * approval box): for its first `guardMs` it takes no answer, and says so in its footer; a key
   * typed then, or after it any typed key that names no choice (`/`, a letter, Backspace, Tab),
   * closes it (`isTypedOver`), and that key with everything typed after it goes back to stdin,
   * for whoever reads it next (the prompt line it was meant for).
   */
  handsTypingBack?: { guardMs: number };
}

/** What the footer says while a question guards against keys (see KeyedSelectOptions.handsTypingBack). */
export const GUARD_NOTICE = '(keys ignored for a moment: typing goes to your prompt line)';

/** An open question. */
export interface KeyedSelect {
  /**
   * The chosen name; null when `close` closed it, or typing meant for something else did
   * (`isTypedOver`). Rejects when the user aborts (Ctrl+C, Esc), as enquirer does.
   */
  answer: Promise<string | null>;
  /** True once typing meant for something else closed it (see KeyedSelectOptions.handsTypingBack). */
  readonly isTypedOver: boolean;
  /** Redraws it (the footer changed). */
  refresh(): void;
  /** Closes it without an answer. */
  close(): void;
}

// The parts of enquirer's Select that this uses (its typings declare none of them).
interface SelectPrompt {
  index: number;
  run(): Promise<string>;
  submit(): Promise<void>;
  cancel(): Promise<void>;
  render(): Promise<void>;
  alert(): void;
  up(): Promise<void>;
  down(): Promise<void>;
}

type KeyedSelectPromptClass = new (options: object, keys: ReadonlyArray<readonly string[]>) => SelectPrompt;

let promptClass: Promise<KeyedSelectPromptClass> | null = null;

// enquirer is loaded at the first question, not at startup: most sessions never ask one, and
// loading it was part of every start (see docs/PERFORMANCE.md, startup).
function loadPromptClass(): Promise<KeyedSelectPromptClass> {
  promptClass ??= import('enquirer').then(({ default: enquirer }) => {
    const Select = (enquirer as unknown as { Select: new (options: object) => SelectPrompt }).Select;
    return class KeyedSelectPrompt extends Select {
      constructor(
        options: object,
        private readonly keys: ReadonlyArray<readonly string[]>,
      ) {
        super(options);
      }

      // Set by a key that names no choice: the person was typing something else (a command line
      // begun as the question opened), so their Enter is not an answer until they move the
      // selection or press a choice's key.
      private isDisarmed = false;

      // A printable key: the choice it names is picked at once; any other is refused with a beep.
      async dispatch(input: string | undefined): Promise<void> {
        const index = input ? this.keys.findIndex((keys) => keys.includes(input.toLowerCase())) : -1;
        if (index < 0) {
          // Only typed text disarms: a control key (Ctrl+Z for a suspend, say) is not typing.
          if (input !== undefined && isTypedText(input)) this.isDisarmed = true;
          return this.alert();
        }
        this.isDisarmed = false;
        this.index = index;
        await this.submit();
      }

      override async submit(): Promise<void> {
        if (this.isDisarmed) return this.alert();
        return super.submit();
      }

      override async up(): Promise<void> {
        this.isDisarmed = false;
        return super.up();
      }

      override async down(): Promise<void> {
        this.isDisarmed = false;
        return super.down();
      }

      pointer(_choice: unknown, index: number): string {
        return this.index === index ? '❯' : ' ';
      }
    };
  });
  return promptClass;
}

// Text a person types (letters, digits, punctuation, `/`), as opposed to control characters.
function isTypedText(input: string): boolean {
  return [...input].some((character) => character >= ' ' && character !== '\x7f');
}

// Where a key typed at a question that hands typing back goes: during the guard, every key
// elsewhere (it was typed before the person could see the question); after it, typing that names
// no choice (text, Backspace, Tab) elsewhere, and answers, arrows, Enter and control keys to the
// question.
function routeKey(key: string, keys: readonly string[], isGuarding: boolean): KeyRoute {
  if (isGuarding) return 'elsewhere';
  if (key === '\x7f' || key === '\b' || key === '\t') return 'elsewhere';
  if (key.startsWith('\u001b') || !isTypedText(key)) return 'question';
  return keys.includes(key.toLowerCase()) ? 'question' : 'elsewhere';
}

/** Opens the question (once enquirer is loaded); it reads the process's stdin until answered or closed. */
export async function openKeyedSelect(options: KeyedSelectOptions): Promise<KeyedSelect> {
  const KeyedSelectPrompt = await loadPromptClass();
  const keys = options.choices.map((choice) => [choice.key, ...(choice.aliases ?? [])]);
  const allKeys = keys.flat();
  let isClosedByOwner = false;
  let isTypedOver = false;
  let isAnswered = false;
  let isGuarding = options.handsTypingBack !== undefined;
  // Filled in once the prompt exists: typing meant elsewhere closes it.
  let closeForTyping = (): void => {};
  const input = options.handsTypingBack ? new GuardedInput(process.stdin, (key) => routeKey(key, allKeys, isGuarding), () => closeForTyping()) : null;
  const footer = (): string => [isGuarding ? chalk.dim(GUARD_NOTICE) : '', options.footer?.() ?? ''].filter(Boolean).join('\n');
  const prompt = new KeyedSelectPrompt(
    {
      name: 'choice',
      message: options.message,
      choices: options.choices.map((choice) => ({ name: choice.name, message: `${choice.message} (${choice.key})` })),
      initial: options.initial ?? 0,
      stdout: options.stdout ?? process.stderr,
      ...(input ? { stdin: input } : {}),
      footer: options.footer || isGuarding ? footer : undefined,
    },
    keys,
  );
  // Redraws and the owner's close are drawn one after another: a close right after a redraw (an
  // update held behind the question, then its job's end) interleaved the two drawings.
  let drawing: Promise<void> = Promise.resolve();
  const draw = (step: () => Promise<void>): void => void (drawing = drawing.then(step).catch(() => {}));
  const refresh = (): void => {
    if (!isAnswered && !isClosedByOwner) draw(() => (isAnswered || isClosedByOwner ? Promise.resolve() : prompt.render()));
  };
  const close = (): void => {
    if (isAnswered || isClosedByOwner) return;
    isClosedByOwner = true;
    isGuarding = false; // the closed question is drawn without the notice
    draw(() => prompt.cancel());
  };
  closeForTyping = () => {
    isTypedOver = true;
    close();
  };
  // The guard starts as the question is drawn; its end is drawn too (the footer's notice goes).
  const guard = options.handsTypingBack
    ? setTimeout(() => {
      isGuarding = false;
      refresh();
    }, options.handsTypingBack.guardMs)
    : null;
  const settle = (): void => {
    isAnswered = true;
    if (guard) clearTimeout(guard);
    input?.release();
  };
  const answer = prompt.run().then(
    (name) => {
      settle();
      return name;
    },
    (error: unknown) => {
      settle();
      if (isClosedByOwner) return null;
      throw error;
    },
  );
  return {
    answer,
    get isTypedOver() {
      return isTypedOver;
    },
    // Not once closed: enquirer settles the answer only after drawing the closed question, and a
    // redraw meanwhile (its footer's count of held updates changed) drew the closed line again.
    refresh,
    close,
  };
}

/**
 * Asks a yes/no question with `Yes` (y) and `No` (n) choices, `initial` preselected. Resolves
 * false when the user aborts it (Ctrl+C, Esc).
 */
export async function askYesNo(message: string, initial: boolean, stdout: NodeJS.WriteStream = process.stderr): Promise<boolean> {
  const question = await openKeyedSelect({ message, choices: [{ name: 'Yes', message: 'Yes', key: 'y' }, { name: 'No', message: 'No', key: 'n' }], initial: initial ? 0 : 1, stdout });
  try {
    return (await question.answer) === 'Yes';
  } catch {
    return false;
  }
}
