/** Styles of `<rt-topic>`. */
import { css } from 'lit';
import { tokens } from '../shared/tokens.styles.js';

export const styles = [
  tokens,
  css`
    :host {
      font-variant-numeric: tabular-nums;
    }
    [part='value'] {
      color: var(--rt-value-color, inherit);
      transition: opacity 0.2s;
    }
  `,
];
