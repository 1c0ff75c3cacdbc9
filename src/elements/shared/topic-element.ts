/**
 * The base of the elements that show one numeric or text field of a topic (`<rt-topic>`, `<rt-sparkline>`):
 * their shared attributes, the subscription, the status and the loading and error content.
 */
import { html, LitElement, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import { TopicController, type TopicView } from '../../controllers/topic-controller.js';
import type { TopicState } from '../../core/types.js';
import { format, pick, type FormatName, type Formatter } from './format.js';

/**
 * Subscribes to `topic` and keeps `status`; subclasses render the live value and hear each message through
 * {@link TopicElement.message}. Not registered as a tag.
 */
export abstract class TopicElement extends LitElement {
  // Lit's reactive properties, declared here rather than with `@property()`: the decorator's code and esbuild's
  // per-module helper would cost the browser bundle its size budget. The fields below go through Lit's
  // accessors because tsconfig sets `useDefineForClassFields: false`.
  static override properties: PropertyDeclarations = {
    topic: {},
    field: {},
    format: {},
    digits: { type: Number },
    min: { type: Number },
    max: { type: Number },
    label: {},
    status: { reflect: true },
  };

  /** The topic, e.g. `kpis.s2`. */
  topic = '';

  /** A dotted path into the payload (`crash_free`, `a.b.0`); empty means the whole payload. */
  field = '';

  /**
   * `text`, `number`, `percent` (a value in percent: `99.2` → `99.2%`), `compact` or `time`, or a function
   * as a property (its template lives in the shadow root: style it through `part` attributes).
   */
  format: FormatName | Formatter = 'text';

  /**
   * The exact number of decimals for `number`, `percent` and `compact` (`17.0` stays `17.0`), so that the
   * width holds still; unset, at most 2.
   */
  digits?: number;

  /** The lowest value on target (optional). */
  min?: number;

  /** The highest value on target (optional). */
  max?: number;

  /** What screen readers call the value (default: the `aria-label`, else the `field`). */
  label?: string;

  /** The state shown, reflected for styling: `loading`, `empty`, `live`, `stale` or `error`. Read-only. */
  status: TopicView = 'loading';

  /** @internal */
  protected readonly source = new TopicController(this, {
    topic: () => this.topic,
    onMessage: (s) => this.message(s),
  });

  /** The `field` of the latest payload, before formatting. */
  get value(): unknown {
    return pick(this.source.data, this.field);
  }

  /** Why the subscription failed (`forbidden`, `unknown_topic`…), if it did. */
  get error(): string | undefined {
    return this.source.error;
  }

  /** @internal The name screen readers hear. */
  protected get name(): string {
    return this.label || this.getAttribute('aria-label') || this.field;
  }

  /** @internal A new message arrived (and the first data seen). */
  protected abstract message(state: TopicState<unknown>): void;

  /** @internal `value` as text in the named format (a function format reads as `text`). */
  protected text(value: unknown): string {
    const f = this.format;
    return format(value, typeof f === 'string' ? f : '', this.digits);
  }

  /** @internal Says on the console what is wrong with the element's configuration. */
  protected warn(problem: string): void {
    console.warn(`<${this.localName}> ${problem}`);
  }

  override willUpdate(changed: PropertyValues<this>): void {
    for (const key of ['min', 'max'] as const)
      if (changed.has(key) && Number.isNaN(this[key])) this.warn(`${key} is not a number: ignored`);
  }

  // After the controllers' hostUpdate (which runs after willUpdate), before rendering and reflecting.
  override update(changed: PropertyValues): void {
    this.status = this.source.view;
    super.update(changed);
  }

  /** @internal The loading or error content, or `undefined` when there is a value to show. */
  protected placeholder(): TemplateResult | undefined {
    const { status } = this;
    return status === 'error'
      ? html`<slot name="error"><span part="error">${this.error}</span></slot>`
      : status === 'loading' || status === 'empty'
        ? html`<slot name="loading"><span part="placeholder">…</span></slot>`
        : undefined;
  }
}
