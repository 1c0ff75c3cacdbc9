/** Svelte 5 example: the root component puts the client (from realtime.js) in context. */
import { mount } from 'svelte';
import App from './App.svelte';

mount(App, { target: document.getElementById('app') });
