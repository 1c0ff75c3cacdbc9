/**
 * `<rt-status>`: the embeddable connection badge.
 */
import { html, LitElement, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import { StatusController, type LinkStatus } from '../../controllers/status-controller.js';
import { emit } from '../events/emit.js';
import { styles } from './rt-status.styles.js';

// Glyph and text of each status.
const LOOK: Record<LinkStatus, [string, string]> = {
  live: ['●', 'Live'],
  connecting: ['◌', 'Connecting'],
  reconnecting: ['◌', 'Reconnecting'],
  offline: ['○', 'Offline'],
};

/**
 * Shows the nearest client's connection: ● Live, ◌ Connecting, ◌ Reconnecting (n) with the attempts since
 * the connection dropped, ○ Offline. Its title (tooltip) adds the transport, the reconnections over the
 * client's life and the last error. It is a `role="status"` live region. With `show-latency`, a live badge adds
 * the receive latency of the last live message (`● Live 42 ms`, read as "latency 42 ms": the client's
 * `stats.latencyMs`, corrected for the clock offset). The figure is not announced as it changes (it would speak
 * on every message); it is read with the badge.
 *
 * @tagname rt-status
 * @summary Connection status badge.
 * @fires {RtStateEvent} rt-state - The status changed; `detail` has `status` and the client's `state`.
 * @csspart base - The badge.
 * @csspart dot - The status glyph.
 * @csspart label - The status text (visually hidden in compact mode).
 * @csspart latency - The latency, with `show-latency` while live and once a live message came.
 * @cssproperty --rt-color-live - Colour when live (default green).
 * @cssproperty --rt-color-warn - Colour while connecting or reconnecting (default amber).
 * @cssproperty --rt-color-offline - Colour when offline (default grey).
 * @cssproperty --rt-status-background - Badge background (default: the status colour at 13%).
 * @cssproperty --rt-font-family - Font (default: inherited).
 * @example <rt-status compact></rt-status>
 * @example <rt-status show-latency></rt-status>
 */
export class RtStatus extends LitElement {
  static override styles = styles;

  // Lit's reactive properties, declared here rather than with `@property()`: the decorator's code and esbuild's
  // per-module helper would cost the browser bundle its size budget. The fields below go through Lit's
  // accessors because tsconfig sets `useDefineForClassFields: false`.
  static override properties: PropertyDeclarations = {
    compact: { type: Boolean, reflect: true },
    showLatency: { type: Boolean, attribute: 'show-latency' },
    status: { reflect: true },
  };

  /** Shows only the glyph; the text stays available to screen readers and in the title. */
  compact = false;

  /** Adds the receive latency of the last live message to the badge while live (`show-latency`). */
  showLatency = false;

  /** The status shown, reflected for styling: `connecting`, `live`, `reconnecting` or `offline`. Read-only. */
  status: LinkStatus = 'offline';

  private readonly link = new StatusController(this, (status, state) => {
    // Listeners may read the element: let `status` say what the event says before it renders.
    this.status = status;
    emit(this, 'rt-state', { status, state });
  });

  /** The text of the badge, e.g. `Reconnecting (2)`. */
  get label(): string {
    const { status, attempts } = this.link;
    return LOOK[status][1] + (status === 'reconnecting' && attempts ? ` (${attempts})` : '');
  }

  // After the controllers' hostUpdate (which runs after willUpdate), before rendering and reflecting.
  override update(changed: PropertyValues): void {
    this.status = this.link.status;
    super.update(changed);
  }

  override render(): TemplateResult {
    const s = this.link.state;
    const n = s?.stats.reconnectCount ?? 0;
    const ms = this.showLatency && this.status === 'live' ? s?.stats.latencyMs : null;
    const title = [this.label, s?.transport, s && `reconnects: ${n}`, s?.error?.reason].filter(Boolean).join(' · ');
    // aria-live="off": the figure changes with every message; it is read with the badge, not announced.
    return html`<span part="base" role="status" title=${title}><span part="dot" aria-hidden="true">${LOOK[this.status][0]}</span><span part="label">${this.label}</span>${ms != null ? html`<span part="latency" aria-live="off"><span class="vh">latency </span>${ms} ms</span>` : ''}</span>`;
  }
}
