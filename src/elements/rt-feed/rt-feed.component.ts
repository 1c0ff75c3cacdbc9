/**
 * `<rt-feed>`: an event topic as a newest-first list.
 */
import { html, LitElement, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import { TopicController, type TopicView } from '../../controllers/topic-controller.js';
import { emit } from '../events/emit.js';
import { format } from '../shared/format.js';
import { styles } from './rt-feed.styles.js';

/**
 * Renders one feed item: anything Lit renders (a string, a `TemplateResult`, a DOM node).
 * @example feed.renderItem = (e) => `${e.name} (${e.kind})`;
 */
export type ItemRenderer<T = unknown> = (item: T, index: number) => unknown;

/**
 * Keeps the last `limit` messages of an event topic (the client folds them with `append`) and lists them
 * newest first. The client keeps one store per topic, so do not also show this topic with `<rt-topic>`.
 *
 * @tagname rt-feed
 * @summary A newest-first list of a topic's messages.
 * @fires {RtMessageEvent} rt-message - A new message arrived; `detail.data` is the new item.
 * @slot loading - Shown until subscribed (default: `Loading…`).
 * @slot empty - Shown while subscribed with no message yet (default: `No messages yet`).
 * @slot error - Shown when the subscription is refused (default: the code, e.g. `forbidden`).
 * @csspart list - The `<ol>`.
 * @csspart item - Each `<li>`.
 * @csspart placeholder - The default loading and empty content.
 * @csspart error - The default error content.
 * @cssproperty --rt-feed-item-padding - Padding of each item (default `0.4em 0`).
 * @cssproperty --rt-feed-divider - Colour of the line between items.
 * @cssproperty --rt-stale-opacity - Opacity of the list while reconnecting (default 0.55).
 * @cssproperty --rt-color-error - Colour of the default error content.
 * @cssproperty --rt-color-muted - Colour of the default loading and empty content.
 * @example <rt-feed topic="liveops.events" limit="20"></rt-feed>
 */
export class RtFeed<T = unknown> extends LitElement {
  static override styles = styles;

  // Lit's reactive properties, declared here rather than with `@property()`: the decorator's code and esbuild's
  // per-module helper would cost the browser bundle its size budget. The fields below go through Lit's
  // accessors because tsconfig sets `useDefineForClassFields: false`.
  static override properties: PropertyDeclarations = {
    topic: {},
    limit: { type: Number },
    announce: {},
    renderItem: { attribute: false },
    status: { reflect: true },
  };

  /** The topic, e.g. `liveops.events`. */
  topic = '';

  /** How many items to show (and to keep, when this element is the first to use the topic). */
  limit = 20;

  /** How updates are announced to screen readers: `polite`, `assertive` or `off`. */
  announce: 'polite' | 'assertive' | 'off' = 'polite';

  /**
   * Renders each item (default: strings as they are, objects as JSON). What it returns lives in the shadow
   * root: give it `part` attributes to style it from the page (`rt-feed::part(name)`).
   */
  renderItem: ItemRenderer<T> = (item) => format(item);

  /** The state shown, reflected for styling: `loading`, `empty`, `live`, `stale` or `error`. Read-only. */
  status: TopicView = 'loading';

  private readonly source = new TopicController<T[]>(this, {
    topic: () => this.topic,
    reduce: 'append',
    limit: () => this.limit,
    onMessage: (s) => {
      const data = s.data?.[s.data.length - 1];
      emit(this, 'rt-message', { topic: this.topic, data, value: data, seq: s.seq });
    },
  });

  /** The items shown, newest first. */
  get items(): T[] {
    // A store another element created with a `latest` fold holds one message, not a list.
    const data: unknown = this.source.data;
    return (Array.isArray(data) ? data : data === undefined ? [] : [data]).slice(-this.limit).reverse();
  }

  /** Why the subscription failed (`forbidden`, `unknown_topic`…), if it did. */
  get error(): string | undefined {
    return this.source.error;
  }

  // After the controllers' hostUpdate (which runs after willUpdate), before rendering and reflecting.
  override update(changed: PropertyValues): void {
    this.status = this.source.view;
    super.update(changed);
  }

  override render(): TemplateResult {
    const { status } = this;
    return status === 'error'
      ? html`<slot name="error"><span part="error">${this.error}</span></slot>`
      : status === 'loading'
        ? html`<slot name="loading"><span part="placeholder">Loading…</span></slot>`
        : status === 'empty'
          ? html`<slot name="empty"><span part="placeholder">No messages yet</span></slot>`
          : html`<ol part="list" aria-live=${this.announce}>${this.items.map((item, i) => html`<li part="item">${this.renderItem(item, i)}</li>`)}</ol>`;
  }
}
