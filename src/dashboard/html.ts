// htm bound to Preact's h: components are written as tagged templates (no build step for JSX).
import { h } from 'preact';
import htm from 'htm';

/** `html\`<div class=${x}>…</div>\`` makes Preact elements. */
export const html = htm.bind(h);
