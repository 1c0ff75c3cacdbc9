/**
 * The demo dashboard in an iframe against a restartable demo-mode gateway (the elements plugin's `demo-gw:*`
 * commands): what the dashboard's end-to-end tests share.
 */
import { executeServerCommand } from '@web/test-runner-commands';
import type { RtConnection } from '../../src/elements/index.js';

/** A gateway started by `demo-gw:start`. */
export interface DemoGateway {
  url: string;
  port: number;
}

/** Starts a demo-mode gateway (on `port` to restart one at the same address). */
export const startGateway = (port?: number) =>
  executeServerCommand<DemoGateway, { port?: number }>('demo-gw:start', { port });
/** Stops it: its clients see 1012, then nothing answers. */
export const stopGateway = (gw: DemoGateway) =>
  executeServerCommand<boolean, { port: number }>('demo-gw:stop', { port: gw.port });
/** Publishes `data` on `topic` through the gateway's fanout. */
export const publish = (gw: DemoGateway, topic: string, data: unknown) =>
  executeServerCommand<unknown, object>('demo-gw:fanout', { port: gw.port, topic, data });

/** A `kpis.s2` payload with every field, `crash_free` as given. */
export const kpis = (crash: number, more: Partial<Record<'p95_gpu' | 'retention_d1' | 'ccu', number>> = {}) => ({
  crash_free: crash,
  p95_gpu: 15.8,
  retention_d1: 42.5,
  ccu: 18_400,
  ...more,
  ts: Date.now(),
});

/** The dashboard loaded in an iframe. */
export interface Dashboard {
  frame: HTMLIFrameElement;
  doc: Document;
  win: Window & typeof globalThis;
  rt: RtConnection;
  /**
   * Resizes the frame; its layout (media queries included) follows at the next read, with no rendering frame
   * needed (a page in a background tab gets none, so its resize and media-change events wait).
   */
  resize(width: number, height?: number): void;
}

/** Text of the first element with `part` in `el`'s shadow root. */
export const shadowText = (el: Element, part: string) =>
  el.shadowRoot!.querySelector(`[part~="${part}"]`)?.textContent?.trim();

/**
 * Opens the dashboard against `gw` with the given scopes, every element defined and reconnects fast (the gateway
 * is down only as long as a test wants it down).
 */
export async function openDashboard(gw: DemoGateway, scopes: string, width = 1200, height = 800): Promise<Dashboard> {
  const frame = document.createElement('iframe');
  frame.style.cssText = `width: ${width}px; height: ${height}px; border: 0`;
  const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  frame.src = `/demo/index.html?gateway=${encodeURIComponent(gw.url)}&scopes=${scopes}`;
  document.body.append(frame);
  await loaded;
  const doc = frame.contentDocument!;
  const win = frame.contentWindow as Window & typeof globalThis;
  await win.customElements.whenDefined('rt-connection');
  const rt = doc.getElementById('rt') as RtConnection;
  rt.options = { minDelay: 20, maxDelay: 250, stableAfter: 100 };
  return {
    frame,
    doc,
    win,
    rt,
    resize(w, h = height) {
      frame.style.width = `${w}px`;
      frame.style.height = `${h}px`;
    },
  };
}
