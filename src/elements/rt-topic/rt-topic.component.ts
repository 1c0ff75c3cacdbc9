/**
 * `<rt-topic>`: the live value of one topic, or one field of it, optionally held to a target.
 */
import { html, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import type { TopicState } from '../../core/types.js';
import { emit } from '../events/emit.js';
import { duration } from '../shared/duration.js';
import { format, pick } from '../shared/format.js';
import { onTarget } from '../shared/target.js';
import { TopicElement } from '../shared/topic-element.js';
import { styles } from './rt-topic.styles.js';

/**
 * Shows a topic's latest value from the nearest `<rt-connection>` (or the page-wide default client). Screen
 * readers hear updates politely (see `announce`). With `min` and/or `max`, the host reflects
 * `target="met"` or `target="missed"`, and a change of target state is announced even when `announce` is
 * `off` (e.g. "Crash-free sessions 98.9% below target 99.5%", then "… back on target").
 *
 * With `stale-after` (`10s`, `500ms`, `2m`, or a number of ms), the value counts as stale once no message came
 * for that long (since the last one, or since the topic went live without one): the host reflects `stale`, the
 * value is part `stale` too (dimmed by default), and "stale" is said to screen readers (in the same region as the
 * target, so even with `announce="off"`) and stays readable after the value until a message comes.
 *
 * @tagname rt-topic
 * @summary The live value of a topic field.
 * @fires {RtMessageEvent} rt-message - A new message arrived; `detail` has `topic`, `data`, `value`, `seq`.
 * @fires {RtTargetEvent} rt-target - The target state is first known, or changed; `detail` has `topic`, `value`, `met`.
 * @slot loading - Shown until the first value arrives (default: an ellipsis).
 * @slot error - Shown when the subscription is refused (default: the code, e.g. `forbidden`).
 * @csspart base - The live region wrapping every state.
 * @csspart value - The formatted value (tabular digits).
 * @csspart missed - The value, too, while it misses its target (`::part(missed)`).
 * @csspart stale - The value, too, while it is stale (`stale-after`).
 * @csspart placeholder - The default loading content.
 * @csspart error - The default error content.
 * @cssproperty --rt-value-color - Colour of the value (default: inherited).
 * @cssproperty --rt-stale-opacity - Opacity of a value kept while reconnecting, or stale (default 0.55).
 * @cssproperty --rt-color-error - Colour of the default error content.
 * @cssproperty --rt-color-muted - Colour of the default loading content.
 * @example <rt-topic topic="kpis.s2" field="crash_free" format="percent" digits="2" min="99.5"></rt-topic>
 * @example <rt-topic topic="kpis.s2" field="crash_free" stale-after="10s"></rt-topic>
 */
export class RtTopic extends TopicElement {
  static override styles = styles;

  static override properties: PropertyDeclarations = {
    announce: {},
    target: { reflect: true },
    staleAfter: { attribute: 'stale-after' },
    stale: { type: Boolean, reflect: true },
  };

  /** How updates are announced to screen readers: `polite`, `assertive` or `off`. */
  announce: 'polite' | 'assertive' | 'off' = 'polite';

  /**
   * `met` or `missed` against `min` / `max`, reflected for styling; `undefined` (no attribute) without a bound
   * or a numeric value. Read-only.
   */
  target?: 'met' | 'missed' | undefined;

  /**
   * How long the value stays fresh without a message: `10s`, `500ms`, `2m`, or a number of ms. Unset (default),
   * a value never goes stale; an invalid one is said once on the console and ignored.
   */
  staleAfter?: string | null;

  /** No message came within `stale-after`; reflected for styling. Read-only. */
  stale = false;

  // What the target live region says: set on a change of target state.
  private said = '';
  private staleT: ReturnType<typeof setTimeout> | undefined;

  protected message(s: TopicState<unknown>): void {
    this.fresh();
    emit(this, 'rt-message', { topic: this.topic, data: s.data, value: pick(s.data, this.field), seq: s.seq });
  }

  /**
   * Starts the freshness clock over (one timer per element): from the last message, else from now if the topic
   * is live. Without a valid `stale-after`, or before anything is live, there is no timer and nothing is stale.
   */
  private fresh(): void {
    clearTimeout(this.staleT);
    const s = this.source.state;
    const left =
      (s?.stats.lastMessageAt ?? (s?.status === 'live' ? Date.now() : NaN)) + duration(this.staleAfter) - Date.now();
    this.stale = left <= 0;
    if (left > 0) this.staleT = setTimeout(() => (this.stale = true), left);
  }

  override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    const v = this.staleAfter;
    if (changed.has('staleAfter') && v != null && !(duration(v) > 0))
      this.warn('stale-after is not a duration: ignored');
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.staleT);
  }

  // After the controllers' hostUpdate (the value is current), before rendering and reflecting; the event goes
  // out once the host reflects the new state.
  override update(changed: PropertyValues): void {
    // The clock starts when the topic goes live without a message, and follows a new `stale-after`.
    if (changed.has('staleAfter') || this.source.view !== this.status) this.fresh();
    const { value, target: was } = this;
    const met = onTarget(value, this);
    this.target = met === undefined ? undefined : met ? 'met' : 'missed';
    const news = met !== undefined && this.target !== was;
    // The first `met` is no news; a first `missed` is.
    if (news && (was || !met))
      this.said = `${this.name} ${this.text(value)} ${met ? 'back on target' : (value as number) < this.min! ? `below target ${this.text(this.min)}` : `above target ${this.text(this.max)}`}`;
    super.update(changed);
    if (news) emit(this, 'rt-target', { topic: this.topic, value: value as number, met });
  }

  override render(): TemplateResult {
    const { value, format: f } = this;
    return html`<span part="base" aria-live=${this.announce}>${this.placeholder() ?? html`<span part=${'value' + (this.target === 'missed' ? ' missed' : '') + (this.stale ? ' stale' : '')}>${typeof f === 'function' ? f(value, this.source.data) : value === undefined ? '–' : format(value, f, this.digits)}</span>`}</span><span class="vh" aria-live="polite">${this.said}${this.stale ? ' stale' : ''}</span>`;
  }
}
