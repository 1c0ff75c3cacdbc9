/**
 * `<rt-topic>`: the live value of one topic, or one field of it, optionally held to a target.
 */
import { html, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import type { TopicState } from '../../core/types.js';
import { emit } from '../events/emit.js';
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
 * @tagname rt-topic
 * @summary The live value of a topic field.
 * @fires {RtMessageEvent} rt-message - A new message arrived; `detail` has `topic`, `data`, `value`, `seq`.
 * @fires {RtTargetEvent} rt-target - The target state is first known, or changed; `detail` has `topic`, `value`, `met`.
 * @slot loading - Shown until the first value arrives (default: an ellipsis).
 * @slot error - Shown when the subscription is refused (default: the code, e.g. `forbidden`).
 * @csspart base - The live region wrapping every state.
 * @csspart value - The formatted value (tabular digits).
 * @csspart missed - The value, too, while it misses its target (`::part(missed)`).
 * @csspart placeholder - The default loading content.
 * @csspart error - The default error content.
 * @cssproperty --rt-value-color - Colour of the value (default: inherited).
 * @cssproperty --rt-stale-opacity - Opacity of a value kept while reconnecting (default 0.55).
 * @cssproperty --rt-color-error - Colour of the default error content.
 * @cssproperty --rt-color-muted - Colour of the default loading content.
 * @example <rt-topic topic="kpis.s2" field="crash_free" format="percent" digits="2" min="99.5"></rt-topic>
 */
export class RtTopic extends TopicElement {
  static override styles = styles;

  static override properties: PropertyDeclarations = {
    announce: {},
    target: { reflect: true },
  };

  /** How updates are announced to screen readers: `polite`, `assertive` or `off`. */
  announce: 'polite' | 'assertive' | 'off' = 'polite';

  /**
   * `met` or `missed` against `min` / `max`, reflected for styling; `undefined` (no attribute) without a bound
   * or a numeric value. Read-only.
   */
  target?: 'met' | 'missed' | undefined;

  // What the target live region says: set on a change of target state.
  private said = '';

  protected message(s: TopicState<unknown>): void {
    emit(this, 'rt-message', { topic: this.topic, data: s.data, value: pick(s.data, this.field), seq: s.seq });
  }

  // After the controllers' hostUpdate (the value is current), before rendering and reflecting; the event goes
  // out once the host reflects the new state.
  override update(changed: PropertyValues): void {
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
    return html`<span part="base" aria-live=${this.announce}>${this.placeholder() ?? html`<span part=${this.target === 'missed' ? 'value missed' : 'value'}>${typeof f === 'function' ? f(value, this.source.data) : value === undefined ? '–' : format(value, f, this.digits)}</span>`}</span><span class="vh" aria-live="polite">${this.said}</span>`;
  }
}
