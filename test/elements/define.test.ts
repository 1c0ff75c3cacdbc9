/**
 * Registration: every tag is defined by `@lydian/realtime/define`, typed through `HTMLElementTagNameMap`, and
 * defining again (a second copy of the library, the browser bundle on the same page) never throws.
 */
import { expect } from '@open-wc/testing';
import { define } from '../../src/define/index.js';
import { RtConnection, RtFeed, RtSparkline, RtStatus, RtTopic } from '../../src/elements/index.js';

describe('define', () => {
  it('registers the five tags with their classes', () => {
    expect(customElements.get('rt-connection')).to.equal(RtConnection);
    expect(customElements.get('rt-topic')).to.equal(RtTopic);
    expect(customElements.get('rt-sparkline')).to.equal(RtSparkline);
    expect(customElements.get('rt-status')).to.equal(RtStatus);
    expect(customElements.get('rt-feed')).to.equal(RtFeed);
  });

  it('types createElement by tag (HTMLElementTagNameMap)', () => {
    // These assignments compile only because the define entries declare the tags.
    const topic: RtTopic = document.createElement('rt-topic');
    const feed: RtFeed = document.createElement('rt-feed');
    const spark: RtSparkline = document.createElement('rt-sparkline');
    expect(spark).to.be.instanceOf(RtSparkline);
    expect(topic).to.be.instanceOf(RtTopic);
    expect(feed).to.be.instanceOf(RtFeed);
  });

  it('does not throw when a tag is defined again, and keeps the first definition', () => {
    expect(() => define('rt-topic', class extends HTMLElement {})).to.not.throw();
    expect(customElements.get('rt-topic')).to.equal(RtTopic);
  });

  it('does not throw when the define entries run again (a second copy of the module)', async () => {
    // A query string makes a fresh instance of the side-effect module: it calls define('rt-topic') once more.
    const again = '../../src/define/rt-topic.ts?copy=2';
    await import(/* @vite-ignore */ again);
    expect(customElements.get('rt-topic')).to.equal(RtTopic);
  });
});
