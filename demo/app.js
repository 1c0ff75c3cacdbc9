/**
 * The live-ops dashboard's glue: where the gateway is, which scopes to ask for, the disconnect and reconnect
 * buttons, the colour scheme, and a few custom renderings. Everything realtime is done by the elements.
 *
 * Query parameters: `?gateway=http://host:port` (default: this page's origin), `?scopes=a,b`, `?transport=sse`
 * (Server-Sent Events only), `?share=off` (this tab keeps a connection of its own instead of sharing one with the
 * browser's other tabs of the dashboard).
 */
import { html } from '/dist/rt-elements.js';

const params = new URLSearchParams(location.search);
const gateway = new URL(params.get('gateway') ?? location.origin);
const rt = document.getElementById('rt');
const $ = (selector) => document.querySelector(selector);

// Where to connect: the WebSocket endpoint and the demo ticket endpoint of the same gateway.
rt.url = `${gateway.protocol === 'https:' ? 'wss' : 'ws'}://${gateway.host}/rt`;
rt.ticketUrl = new URL('/rt/ticket', gateway).href;
if (params.has('scopes')) rt.scopes = params.get('scopes');
if (params.get('transport') === 'sse') rt.options = { transports: ['sse'] };
if (params.get('share') === 'off') rt.share = 'off';

// ---- Scopes: a change reconnects with a fresh ticket for the new set --------------------------------------
const boxes = [...document.querySelectorAll('input[name="scope"]')];
const showScopes = () => {
  const scopes = rt.scopes.split(',').filter(Boolean);
  for (const box of boxes) box.checked = scopes.includes(box.value);
  $('#ticket-scopes').textContent = scopes.length ? `ticket: ${scopes.join(', ')}` : 'ticket: no scopes';
  for (const row of document.querySelectorAll('tr[data-scope]'))
    row.classList.toggle('denied', !scopes.includes(row.dataset.scope));
};
for (const box of boxes) {
  box.addEventListener('change', () => {
    rt.scopes = boxes
      .filter((b) => b.checked)
      .map((b) => b.value)
      .join(',');
    const url = new URL(location.href);
    url.searchParams.set('scopes', rt.scopes);
    history.replaceState(null, '', url);
    showScopes();
  });
}
showScopes();

// ---- Connection: buttons follow the badge's rt-state events ------------------------------------------------
const disconnect = $('#disconnect');
const reconnect = $('#reconnect');
disconnect.addEventListener('click', () => rt.disconnect());
reconnect.addEventListener('click', () => rt.connect());
rt.addEventListener('rt-state', (event) => {
  const { status, state } = event.detail;
  const stopped = status === 'offline' && state?.state === 'closed';
  disconnect.disabled = stopped;
  reconnect.disabled = !stopped;
  document.body.dataset.link = status;
});

// Under the dashboard, from the connection store: the transport and latency while connected, and what the
// link is doing when it is not (a stale latency next to "offline" would say the opposite of the badge).
const PHASES = {
  connecting: 'connecting…',
  reconnecting: 'reconnecting…',
  offline: 'offline: no network',
  closed: 'offline: disconnected',
};
const linkInfo = (s) => {
  const counts = `${s.stats.messagesReceived} messages · ${s.stats.reconnectCount} reconnects`;
  if (!s.connected) return `${PHASES[s.state] ?? s.state} · ${counts}`;
  const latency = s.stats.latencyMs === null ? '–' : `${Math.max(0, Math.round(s.stats.latencyMs))} ms`;
  return `${s.transport}${sharing(s.shared)} · latency ${latency} · ${counts}`;
};
// One connection for every tab of the dashboard in this browser: how many tabs share it, and whether this one
// holds it (said once a second tab shares it).
const sharing = (shared) =>
  shared?.tabs > 1 ? ` for ${shared.tabs} tabs${shared.leader ? ', held by this one' : ''}` : '';
// The client is created at the connection's next update, and replaced when the scopes or options change: the
// badge's rt-state events say when, as it follows the new client too.
let followed;
let unbind;
const follow = () => {
  if (rt.client === followed) return;
  unbind?.();
  followed = rt.client;
  unbind = followed?.status.subscribe((s) => {
    $('#link-info').textContent = linkInfo(s);
  });
};
rt.updateComplete.then(follow);
rt.addEventListener('rt-state', follow);

// ---- Colour scheme: the elements follow the page's color-scheme ------------------------------------------
// One toggle, pressed when dark: it starts from the system's scheme (followed until the first click), so every
// click visibly switches, and aria-pressed says which scheme is on.
const SCHEME_KEY = 'rt-demo-scheme';
const systemDark = matchMedia('(prefers-color-scheme: dark)');
const themeButton = $('#theme');
const applyScheme = () => {
  const chosen = localStorage.getItem(SCHEME_KEY);
  const scheme = chosen === 'light' || chosen === 'dark' ? chosen : systemDark.matches ? 'dark' : 'light';
  document.documentElement.style.colorScheme = scheme;
  document.documentElement.dataset.scheme = scheme;
  themeButton.setAttribute('aria-pressed', String(scheme === 'dark'));
};
themeButton.addEventListener('click', () => {
  localStorage.setItem(SCHEME_KEY, document.documentElement.dataset.scheme === 'dark' ? 'light' : 'dark');
  applyScheme();
});
systemDark.addEventListener('change', applyScheme);
applyScheme();

// ---- Custom renderings: a format function, and the feed's per-item render hook ----------------------------
const signed = (digits) => (value) =>
  typeof value === 'number' ? `${value > 0 ? '+' : ''}${value.toFixed(digits)}%` : '–';
$('#inflation').format = signed(2);
$('#uplift').format = signed(2);
// Templates rendered inside an element's shadow root are styled through `part` names (see styles.css).
const TONE = { running: 'accent', winner: 'good', stopped: 'bad' };
$('#ab-status').format = (value) => html`<span part="pill ${TONE[value] ?? ''}">${value}</span>`;

const KIND = {
  'event.started': ['Started', 'good'],
  'event.ended': ['Ended', ''],
  'offer.changed': ['Offer', 'accent'],
  'banner.updated': ['Banner', 'accent'],
  'playlist.rotated': ['Playlist', 'warn'],
};
const time = (ms) => new Date(ms).toLocaleTimeString();
$('#events').renderItem = (e) => {
  const [label, tone] = KIND[e.kind] ?? [e.kind, ''];
  return html`<div part="event"><span part="pill ${tone}">${label}</span><span part="name">${e.name}</span><time part="time">${time(e.when)}</time></div>`;
};

// The access panel: what the gateway answered for each topic.
const allowed = (ms) =>
  html`<span part="allowed">✓ allowed</span> <span part="when"><span part="when-label">· last message </span>${time(ms)}</span>`;
for (const el of document.querySelectorAll('.verdict rt-topic')) el.format = allowed;
$('.verdict rt-feed').renderItem = (e) => allowed(e.when);
