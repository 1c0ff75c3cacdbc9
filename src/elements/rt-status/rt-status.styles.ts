/** Styles of `<rt-status>`: a pill badge coloured by status. */
import { css } from 'lit';
import { tokens } from '../shared/tokens.styles.js';

export const styles = [
  tokens,
  css`
    :host {
      --_color: var(--_off);
    }
    :host([status='live']) {
      --_color: var(--_live);
    }
    :host([status$='connecting']) {
      --_color: var(--_warn);
    }
    [part='base'] {
      display: inline-flex;
      gap: 0.4em;
      padding: 0.2em 0.7em;
      border-radius: 999px;
      background: var(--rt-status-background, color-mix(in srgb, var(--_color) 13%, transparent));
      color: var(--_color);
      font-size: 0.8125rem;
      font-weight: 600;
      white-space: nowrap;
    }
    [part='latency'] {
      font-weight: 400;
      font-variant-numeric: tabular-nums;
    }
    :host([status$='connecting']) [part='dot'] {
      animation: pulse 1.2s infinite;
    }
    :host([compact]) [part='base'] {
      padding: 0.2em 0.45em;
    }
    :host([compact]) [part='label'] {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip-path: inset(50%);
    }
    @keyframes pulse {
      50% {
        opacity: 0.3;
      }
    }
    @media (prefers-reduced-motion: reduce) {
      [part='dot'] {
        animation: none !important;
      }
    }
  `,
];
