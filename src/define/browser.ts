/**
 * The entry of the self-contained browser bundle `dist/browser/rt-elements.js` (core, elements and Lit in one
 * file): loading it registers the tags. Its few exports let a page with no build step set a page-wide default
 * client and render feed items with Lit templates.
 * @example
 * <script type="module">
 *   import { createClient, setDefaultClient, html } from '/dist/rt-elements.js';
 *   setDefaultClient(createClient({ url: 'wss://rt.example.com/rt', scopes: ['ops.admin'], auth: '/rt/ticket' }));
 *   document.querySelector('rt-feed').renderItem = (e) => html`<b>${e.name}</b> ${e.kind}`;
 * </script>
 */
import './index.js';

export { createClient } from '../core/client.js';
export { setDefaultClient } from '../controllers/context.js';
export { html } from 'lit';
