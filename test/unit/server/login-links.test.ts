// One-time login links: each works once and for 10 minutes; the link printed at the server's start
// is never pushed out by minting; at most 20 minted links are outstanding, the oldest unused one
// giving way first; every refusal says why.
import { describe, expect, it } from 'vitest';
import { LOGIN_LINK_TTL_MS, LoginLinks, MAX_MINTED_LINKS } from '../../../src/server/login-links.js';

function clock() {
  let now = 1_000_000;
  return { nowMs: () => now, advance: (ms: number) => (now += ms) };
}

describe('LoginLinks', () => {
  it('accepts a code once, then says it was used', () => {
    const links = new LoginLinks(clock().nowMs);
    const { code } = links.mint();
    expect(links.redeem(code)).toEqual({ isAccepted: true });
    expect(links.redeem(code)).toMatchObject({ isAccepted: false, reason: 'used', message: expect.stringContaining('used already') });
  });

  it('says a code ran out after its time, and that an unknown one is not this server\'s', () => {
    const time = clock();
    const links = new LoginLinks(time.nowMs);
    const { code, expiresAtMs } = links.mint();
    expect(expiresAtMs).toBe(time.nowMs() + LOGIN_LINK_TTL_MS);
    time.advance(LOGIN_LINK_TTL_MS);
    expect(links.redeem(code)).toMatchObject({ isAccepted: false, reason: 'expired', message: expect.stringContaining('ran out') });
    expect(links.redeem('f'.repeat(64))).toMatchObject({ isAccepted: false, reason: 'unknown', message: expect.stringContaining("not one of this server's") });
  });

  it(`keeps the printed link however many are minted, and at most ${MAX_MINTED_LINKS} minted ones, the oldest unused giving way`, () => {
    const links = new LoginLinks(clock().nowMs);
    const printed = links.mint(undefined, { isPrinted: true }).code;
    const minted = Array.from({ length: 100 }, () => links.mint().code);
    expect(links.redeem(printed)).toEqual({ isAccepted: true });
    for (const code of minted.slice(0, 100 - MAX_MINTED_LINKS)) expect(links.redeem(code)).toMatchObject({ reason: 'replaced', message: expect.stringContaining('replaced by newer ones') });
    for (const code of minted.slice(100 - MAX_MINTED_LINKS)) expect(links.redeem(code)).toEqual({ isAccepted: true });
  });

  it('counts only links still outstanding: used and expired ones make room', () => {
    const time = clock();
    const links = new LoginLinks(time.nowMs);
    const first = Array.from({ length: MAX_MINTED_LINKS }, () => links.mint().code);
    for (const code of first.slice(0, 5)) links.redeem(code);
    const more = Array.from({ length: 5 }, () => links.mint().code);
    expect(links.redeem(first[5]!)).toEqual({ isAccepted: true }); // nothing was replaced
    time.advance(LOGIN_LINK_TTL_MS);
    const fresh = Array.from({ length: MAX_MINTED_LINKS }, () => links.mint().code);
    expect(links.redeem(more[0]!)).toMatchObject({ reason: 'expired' });
    expect(fresh.every((code) => links.redeem(code).isAccepted)).toBe(true);
  });

  it('says each refusal in full, with how to get a new link', () => {
    const time = clock();
    const links = new LoginLinks(time.nowMs);
    const again = 'Run jobline ui (or POST /api/login-links) for a new one.';
    const used = links.mint().code;
    links.redeem(used);
    expect(links.redeem(used)).toEqual({ isAccepted: false, reason: 'used', message: `This login link was used already: a link logs one browser in, once. ${again}` });
    const late = links.mint().code;
    time.advance(LOGIN_LINK_TTL_MS);
    expect(links.redeem(late)).toEqual({ isAccepted: false, reason: 'expired', message: `This login link ran out: a link works for 10 minutes. ${again}` });
    const old = links.mint().code;
    for (let i = 0; i < MAX_MINTED_LINKS; i++) links.mint();
    expect(links.redeem(old)).toEqual({ isAccepted: false, reason: 'replaced', message: `This login link was replaced by newer ones: only the newest 20 links made work. ${again}` });
    expect(links.redeem('0'.repeat(64))).toEqual({ isAccepted: false, reason: 'unknown', message: `This login link is not one of this server's (it may come from a server that has restarted since). ${again}` });
  });

  it('mints a printed link without pushing out any minted one', () => {
    const links = new LoginLinks(clock().nowMs);
    const minted = Array.from({ length: MAX_MINTED_LINKS }, () => links.mint().code);
    const printed = links.mint(undefined, { isPrinted: true }).code;
    expect(minted.every((code) => links.redeem(code).isAccepted)).toBe(true);
    expect(links.redeem(printed)).toEqual({ isAccepted: true });
  });

  it('remembers why the newest 1000 codes stopped working; an older one reads as unknown', () => {
    const links = new LoginLinks(clock().nowMs);
    const codes = Array.from({ length: 1001 }, () => {
      const { code } = links.mint();
      links.redeem(code);
      return code;
    });
    expect(links.redeem(codes[0]!)).toMatchObject({ reason: 'unknown' });
    expect(links.redeem(codes[1]!)).toMatchObject({ reason: 'used' });
    // Exactly 1000 remembered: the oldest of them still says why.
    const fresh = new LoginLinks(clock().nowMs);
    const first = fresh.mint().code;
    fresh.redeem(first);
    for (let i = 1; i < 1000; i++) fresh.redeem(fresh.mint().code);
    expect(fresh.redeem(first)).toMatchObject({ reason: 'used' });
  });
});
