/** The example's one client, in a module of its own: components import it (no prop to capture). */
import { createClient } from '@lydian/realtime';
import { options } from '../config.js';

/** What the ticket asks for; the stores check theirs against it. */
export const scopes = [...options.scopes, 'economy.admin'];

export const client = createClient({ ...options, scopes });
client.topic('liveops.events', { reduce: 'append', limit: 5 }); // an event stream kept as a list
