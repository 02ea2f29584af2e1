// /background and /interactive: the mode new jobs get (jobs already running keep theirs).
import type { SlashCommand } from '../session.js';

/** /background */
export const backgroundCommand: SlashCommand = {
  name: 'background',
  usage: '/background',
  summary: 'new jobs run every phase without asking',
  argument: 'none',
  run(_args, session) {
    session.setMode('background');
    session.print('Mode: background (new jobs run straight through)');
  },
};

/** /interactive */
export const interactiveCommand: SlashCommand = {
  name: 'interactive',
  usage: '/interactive',
  summary: 'new jobs wait for approval after each phase',
  argument: 'none',
  run(_args, session) {
    session.setMode('interactive');
    session.print('Mode: interactive (approve each phase)');
  },
};
