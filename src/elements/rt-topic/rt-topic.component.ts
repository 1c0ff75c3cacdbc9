/**
 * `<rt-topic>`: the live value of one topic, or one field of it.
 */
import { html, LitElement, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import { TopicController, type TopicView } from '../../controllers/topic-controller.js';
import { emit } from '../events/emit.js';
import { format, pick, type FormatName, type Formatter } from '../shared/format.js';
import { styles } from './rt-topic.styles.js';

/**
 * Shows a topic's latest value from the nearest `<rt-connection>` (or the page-wide default client). Screen
 * readers hear updates politely (see `announce`).
 *
 * @tagname rt-topic
 * @summary The live value of a topic field.
 * @fires {RtMessageEvent} rt-message - A new message arrived; `detail` has `topic`, `data`, `value`, `seq`.
 * @slot loading - Shown until the first value arrives (default: an ellipsis).
 * @slot error - Shown when the subscription is refused (default: the code, e.g. `forbidden`).
 * @csspart base - The live region wrapping every state.
 * @csspart value - The formatted value.
 * @csspart placeholder - The default loading content.
 * @csspart error - The default error content.
 * @cssproperty --rt-value-color - Colour of the value (default: inherited).
 * @cssproperty --rt-stale-opacity - Opacity of a value kept while reconnecting (default 0.55).
 * @cssproperty --rt-color-error - Colour of the default error content.
 * @cssproperty --rt-color-muted - Colour of the default loading content.
 * @example <rt-topic topic="kpis.s2" field="crash_free" format="percent"></rt-topic>
 */
export class RtTopic extends LitElement {
  static override styles = styles;

  // Lit's reactive properties, declared here rather than with `@property()`: the decorator's code and esbuild's
  // per-module helper would cost the browser bundle its size budget. The fields below go through Lit's
  // accessors because tsconfig sets `useDefineForClassFields: false`.
  static override properties: PropertyDeclarations = {
    topic: {},
    field: {},
    format: {},
    digits: { type: Number },
    announce: {},
    status: { reflect: true },
  };

  /** The topic, e.g. `kpis.s2`. */
  topic = '';

  /** A dotted path into the payload (`crash_free`, `a.b.0`); empty shows the whole payload. */
  field = '';

  /**
   * `text`, `number`, `percent` (a value in percent: `99.2` → `99.2%`), `compact` or `time`, or a function
   * as a property (its template lives in the shadow root: style it through `part` attributes).
   */
  format: FormatName | Formatter = 'text';

  /** Maximum decimals for `number`, `percent` and `compact`. */
  digits?: number;

  /** How updates are announced to screen readers: `polite`, `assertive` or `off`. */
  announce: 'polite' | 'assertive' | 'off' = 'polite';

  /** The state shown, reflected for styling: `loading`, `empty`, `live`, `stale` or `error`. Read-only. */
  status: TopicView = 'loading';

  private readonly source = new TopicController(this, {
    topic: () => this.topic,
    onMessage: (s) =>
      emit(this, 'rt-message', { topic: this.topic, data: s.data, value: pick(s.data, this.field), seq: s.seq }),
  });

  /** The value shown (the `field` of the latest payload), before formatting. */
  get value(): unknown {
    return pick(this.source.data, this.field);
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
    const { status, value, format: f } = this;
    const content =
      status === 'error'
        ? html`<slot name="error"><span part="error">${this.error}</span></slot>`
        : status === 'loading' || status === 'empty'
          ? html`<slot name="loading"><span part="placeholder">…</span></slot>`
          : html`<span part="value">${typeof f === 'function' ? f(value, this.source.data) : value === undefined ? '–' : format(value, f, this.digits)}</span>`;
    return html`<span part="base" aria-live=${this.announce}>${content}</span>`;
  }
}
