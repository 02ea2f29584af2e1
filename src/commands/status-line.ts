// One line of foreground status: an ora spinner on a terminal, plain lines otherwise (ora would
// still print coloured symbols into a pipe or a log file).

/** A status line a foreground command updates while it waits. */
export interface StatusLine {
  start(text: string): void;
  update(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
  warn(text: string): void;
  stop(): void;
  /**
   * Writes `text` (whole lines) to `target` above the status line: on a terminal the spinner is
   * cleared first and drawn again after, so the two never mix on one row.
   */
  printAbove(text: string, target: NodeJS.WritableStream): void;
}

/**
 * Creates a status line on `stream` (default stderr). The spinner never reads stdin
 * (`discardStdin: false`). ora is loaded here, not at startup: only foreground commands spin.
 */
export async function createStatusLine(stream: NodeJS.WriteStream = process.stderr): Promise<StatusLine> {
  if (stream.isTTY) {
    const { default: ora } = await import('ora');
    const spinner = ora({ stream, discardStdin: false });
    return {
      start: (text) => void spinner.start(text),
      update: (text) => void (spinner.text = text),
      succeed: (text) => void spinner.succeed(text),
      fail: (text) => void spinner.fail(text),
      warn: (text) => void (spinner.isSpinning ? spinner.warn(text).start() : spinner.warn(text)),
      stop: () => void spinner.stop(),
      printAbove: (text, target) => {
        const isSpinning = spinner.isSpinning;
        if (isSpinning) spinner.clear();
        target.write(text);
        if (isSpinning) spinner.render();
      },
    };
  }
  const write = (line: string): void => void stream.write(`${line}\n`);
  return {
    start: (text) => write(`- ${text}`),
    update: () => {},
    succeed: (text) => write(`✔ ${text}`),
    fail: (text) => write(`✖ ${text}`),
    warn: (text) => write(`⚠ ${text}`),
    stop: () => {},
    printAbove: (text, target) => void target.write(text),
  };
}
