/**
 * Styles every element shares: the `--rt-*` theme tokens, read with fallbacks so that they can be set on the
 * element or on any ancestor (`:root` for the whole page). Colours follow the page's `color-scheme`.
 */
import { css } from 'lit';

/** Shared host styles (`hidden` hides block elements too), status colours, the default placeholder and error content, visually hidden text (`.vh`). */
export const tokens = css`
  :host {
    font-family: var(--rt-font-family, inherit);
    --_live: var(--rt-color-live, light-dark(#116329, #3fb950));
    --_warn: var(--rt-color-warn, light-dark(#7d4e00, #d29922));
    --_off: var(--rt-color-offline, light-dark(#4f5963, #9198a1));
  }
  :host([hidden]) {
    display: none;
  }
  :host([status='stale']) :is([part~='value'], [part='list'], svg),
  :host([stale]) [part~='value'] {
    opacity: var(--rt-stale-opacity, 0.55);
  }
  [part='placeholder'] {
    color: var(--rt-color-muted, light-dark(#59636e, #9198a1));
  }
  [part='error'] {
    color: var(--rt-color-error, light-dark(#cf222e, #f85149));
  }
  .vh {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
