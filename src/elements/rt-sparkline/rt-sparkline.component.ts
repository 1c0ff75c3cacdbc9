/**
 * `<rt-sparkline>`: the recent history of one numeric field of a topic, as a small line chart.
 */
import { html, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import type { TopicState } from '../../core/types.js';
import { pick, type FormatName, type Formatter } from '../shared/format.js';
import { TopicElement } from '../shared/topic-element.js';
import { styles } from './rt-sparkline.styles.js';

/** One plotted value and when it arrived (`Date.now()`). */
interface Point {
  v: number;
  t: number;
}

/**
 * Plots the numeric `field` of each message of `topic` over the last `points` values (and, with `seconds`, only
 * those that arrived in the last `seconds` seconds), scaled to the element's box. With `min` and/or `max`, a
 * dashed line marks each bound. Screen readers hear an image named by `label` with the latest value and the
 * trend over the window, e.g. "Crash-free sessions: 99.20%, rising", formatted by `format` and `digits` as
 * `<rt-topic>` formats them. It plots from its first message on: history before it subscribed is not fetched.
 *
 * @tagname rt-sparkline
 * @summary A small live line chart of a topic field.
 * @slot loading - Shown until the first value arrives (default: an ellipsis).
 * @slot error - Shown when the subscription is refused (default: the code, e.g. `forbidden`).
 * @csspart svg - The chart (`role="img"`).
 * @csspart line - The line through the values.
 * @csspart area - The area under the line.
 * @csspart target - The dashed target line(s), at `min` and `max`.
 * @csspart placeholder - The default loading content.
 * @csspart error - The default error content.
 * @cssproperty --rt-sparkline-color - Colour of the line (default: the text colour, `currentColor`).
 * @cssproperty --rt-sparkline-fill - Fill of the area under the line (default: the line colour at 15%).
 * @cssproperty --rt-sparkline-target-color - Colour of the target line (default: the muted colour).
 * @cssproperty --rt-sparkline-height - Height of the chart (default `2em`; the width follows its container).
 * @cssproperty --rt-stale-opacity - Opacity of the chart while reconnecting (default 0.55).
 * @cssproperty --rt-color-error - Colour of the default error content.
 * @cssproperty --rt-color-muted - Colour of the default loading content and the default target colour.
 * @example <rt-sparkline topic="kpis.s2" field="crash_free" format="percent" min="99.5" label="Crash-free sessions"></rt-sparkline>
 */
export class RtSparkline extends TopicElement {
  static override styles = styles;

  static override properties: PropertyDeclarations = {
    points: { type: Number },
    seconds: { type: Number },
  };

  /** How many of the latest values to plot. */
  points = 30;

  /** Plots only the values that arrived in the last `seconds` seconds (default: no time limit). */
  seconds?: number;

  /** Numbers read as `number` by default: a sparkline plots nothing else. */
  override format: FormatName | Formatter = 'number';

  // Kept values, oldest first: at most `points` of them.
  private kept: Point[] = [];
  private warned = false;

  /** The plotted values, oldest first: the last `points`, within the last `seconds` if set. */
  get values(): number[] {
    const since = this.seconds! > 0 ? Date.now() - this.seconds! * 1000 : -Infinity;
    return this.kept
      .filter((p) => p.t >= since)
      .slice(-this.points)
      .map((p) => p.v);
  }

  protected message(s: TopicState<unknown>): void {
    const v = pick(s.data, this.field);
    if (typeof v === 'number') {
      this.kept = [...this.kept, { v, t: Date.now() }].slice(-Math.max(this.points, 1));
    } else if (!this.warned) {
      this.warned = true;
      this.warn(`${this.field || 'the payload'} of ${this.topic} is not a number: not plotted`);
    }
  }

  override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    // Another topic or field is another series (the subscription, in hostUpdate, brings its first value next).
    if (changed.has('topic') || changed.has('field')) this.kept = [];
  }

  /**
   * The text alternative: `label: latest, trend`; the trend compares the window's ends as shown (`steady` when
   * they format alike), and is left out for a single value.
   */
  get description(): string {
    const values = this.values;
    const first = values[0]!;
    const last = values[values.length - 1]!;
    const shown = this.text(last);
    return `${this.name}: ${values.length ? shown : 'no data'}${values.length > 1 ? `, ${this.text(first) === shown ? 'steady' : last > first ? 'rising' : 'falling'}` : ''}`;
  }

  override render(): TemplateResult {
    const values = this.values;
    const { min, max } = this;
    // One value draws a flat line across.
    const drawn = values.length === 1 ? [values[0]!, values[0]!] : values;
    const bounds = [min, max].filter(Number.isFinite) as number[];
    // The vertical scale spans the values and the bounds, so that a target line is always in view.
    const low = Math.min(...values, ...bounds);
    const span = Math.max(...values, ...bounds) - low || 1;
    const y = (v: number) => 98 - ((v - low) / span) * 96;
    const line = drawn.map((v, i) => `${(i / (drawn.length - 1)) * 100},${y(v)}`).join(' ');
    return (
      this.placeholder() ??
      html`<svg part="svg" role="img" aria-label=${this.description} viewBox="0 0 100 100" preserveAspectRatio="none"><path part="area" d=${values.length ? `M0,100L${line} 100,100Z` : ''}></path><path part="line" d=${values.length ? `M${line}` : ''}></path><path part="target" d=${bounds.map((b) => `M0,${y(b)}H100`).join('')}></path></svg>`
    );
  }
}
