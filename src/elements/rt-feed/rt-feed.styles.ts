/** Styles of `<rt-feed>`: a plain list, newest first. */
import { css } from 'lit';
import { tokens } from '../shared/tokens.styles.js';

export const styles = [
  tokens,
  css`
    :host {
      display: block;
    }
    [part='list'] {
      list-style: none;
      margin: 0;
      padding: 0;
    }
    [part='item'] {
      padding: var(--rt-feed-item-padding, 0.4em 0);
      border-top: 1px solid var(--rt-feed-divider, color-mix(in srgb, currentColor 12%, transparent));
    }
    [part='item']:first-child {
      border: 0;
    }
  `,
];
