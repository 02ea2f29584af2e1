// Ctrl+Z and `fg` at any prompt: readline (the REPL's line, and enquirer's prompts, which read
// keys through readline too) stops the process itself on Ctrl+Z and, on SIGCONT, pauses its input
// and leaves resuming it to its owner. Nobody did: the REPL froze, or exited silently when no job
// kept Node's event loop alive, and an approval question stopped answering. One handler for the
// whole process resumes the terminal's input after a continue, whoever is reading it; the REPL's
// own line, whose KeyInput detaches from stdin while paused, is resumed by the REPL's terminal on
// readline's `SIGCONT` event (terminal.ts).

/**
 * Installs, once per process, a SIGCONT handler that resumes `input` (stdin by default) if a
 * reader is attached to it (a `data` or `keypress` listener); input nobody reads stays paused, so
 * no keystroke is read and dropped. Returns an uninstaller.
 */
export function resumeInputOnContinue(input: NodeJS.ReadStream = process.stdin): () => void {
  if (!input.isTTY) return () => {};
  const onContinue = (): void => {
    // After readline's own SIGCONT handler, which pauses the input (listeners run in order, and
    // readline registers its one-time handler at Ctrl+Z, after this one).
    setImmediate(() => {
      if (input.listenerCount('data') + input.listenerCount('keypress') > 0 && input.isPaused()) input.resume();
    });
  };
  process.on('SIGCONT', onContinue);
  return () => void process.off('SIGCONT', onContinue);
}

