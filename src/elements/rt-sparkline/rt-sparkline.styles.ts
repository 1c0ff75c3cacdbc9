/** Styles of `<rt-sparkline>`: an SVG that fills the element's box. */
import { css } from 'lit';
import { tokens } from '../shared/tokens.styles.js';

export const styles = [
  tokens,
  css`
    :host {
      display: block;
      height: var(--rt-sparkline-height, 2em);
      --_c: var(--rt-sparkline-color, currentColor);
    }
    svg {
      display: block;
      width: 100%;
      height: 100%;
      overflow: visible;
    }
    path {
      fill: none;
      stroke-width: 1.5;
      vector-effect: non-scaling-stroke;
    }
    [part='line'] {
      stroke: var(--_c);
      stroke-linejoin: round;
    }
    [part='area'] {
      fill: var(--rt-sparkline-fill, color-mix(in srgb, var(--_c) 15%, transparent));
    }
    [part='target'] {
      stroke: var(--rt-sparkline-target-color, var(--rt-color-muted, light-dark(#59636e, #9198a1)));
      stroke-dasharray: 4 3;
    }
  `,
];
