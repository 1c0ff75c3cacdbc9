/** Styles of `<rt-connection>`: it adds no box of its own. */
import { css } from 'lit';

export const styles = css`
  :host {
    display: contents;
  }
`;
