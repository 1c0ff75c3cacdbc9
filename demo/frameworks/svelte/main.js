/** Svelte 5 example: the client set in context by the root component. */
import { mount } from 'svelte';
import { createClient } from '@lydian/realtime';
import App from './App.svelte';
import { options } from '../config.js';

const client = createClient({ ...options, scopes: [...options.scopes, 'economy.admin'] });
client.topic('liveops.events', { reduce: 'append', limit: 5 }); // an event stream kept as a list

mount(App, { target: document.getElementById('app'), props: { client } });
