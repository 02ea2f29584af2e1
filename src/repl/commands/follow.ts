// /follow: whose events and output print: this REPL's jobs (the default), every job, or one.
import { describeFollowing, parseFollowTarget } from '../follow.js';
import type { SlashCommand } from '../session.js';

/** /follow [all | mine | id] */
export const followCommand: SlashCommand = {
  name: 'follow',
  usage: '/follow [all | mine | <id>]',
  summary: 'whose events and output print: your jobs (default), every job, or one; others get a line when they end',
  argument: 'follow',
  async run(args, session) {
    if (args.trim() !== '') session.setFollowing(await parseFollowTarget(args, (input) => session.service.resolve(input)));
    session.print(describeFollowing(session.following));
  },
};
