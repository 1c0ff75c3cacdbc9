/** Styles of `<rt-topic>`. */
import { css } from 'lit';
import { tokens } from '../shared/tokens.styles.js';

export const styles = [
  tokens,
  css`
    [part~='value'] {
      color: var(--rt-value-color, inherit);
      font-variant-numeric: tabular-nums;
      transition: opacity 0.2s;
    }
  `,
];
