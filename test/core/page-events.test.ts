/**
 * The page events a client follows: `online`, `offline` and a tab becoming visible, bound and unbound together.
 */
import { expect } from '@open-wc/testing';
import { pageEvents } from '../../src/core/page-events.js';

describe('pageEvents', () => {
  let calls: string[];
  let bind: (on: boolean) => void;
  beforeEach(() => {
    calls = [];
    bind = pageEvents(
      () => calls.push('online'),
      () => calls.push('offline'),
      () => calls.push('visible'),
    );
  });
  afterEach(() => bind(false));

  it('adds nothing until bound', () => {
    window.dispatchEvent(new Event('online'));
    expect(calls).to.deep.equal([]);
  });

  it('passes online and offline on while bound, and nothing after it is unbound', () => {
    bind(true);
    window.dispatchEvent(new Event('offline'));
    window.dispatchEvent(new Event('online'));
    bind(false);
    window.dispatchEvent(new Event('offline'));
    expect(calls).to.deep.equal(['offline', 'online']);
  });

  it('reports the page becoming visible, not hidden', () => {
    bind(true);
    try {
      for (const value of ['hidden', 'visible']) {
        Object.defineProperty(document, 'visibilityState', { value, configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      }
    } finally {
      delete (document as { visibilityState?: unknown }).visibilityState; // back to Document.prototype's
    }
    expect(calls).to.deep.equal(['visible']);
  });
});
