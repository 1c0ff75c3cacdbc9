/**
 * Vue 3 example: the client through a plugin, composables returning shallow refs in `setup`. In an app these
 * would be `<script setup>` single-file components; here templates are strings compiled in the page.
 */
import { createApp, defineComponent, ref } from 'vue';
import { createClient } from '@lydian/realtime';
import { createRealtime, useRealtime, useRealtimeConnection, useRealtimeMulti } from '@lydian/realtime/vue';
import { options } from '../config.js';

const client = createClient({ ...options, scopes: [...options.scopes, 'economy.admin'] });
// An event stream kept as a list: decided once, where the client is made.
client.topic('liveops.events', { reduce: 'append', limit: 5 });

const Status = defineComponent({
  setup: () => ({ conn: useRealtimeConnection() }),
  template: `<span :class="conn.connected ? 'online' : 'offline'">{{ conn.connected ? '● Live' : '○ Offline' }}</span>
    Reconnects: {{ conn.stats.reconnectCount }}`,
});

const Kpis = defineComponent({
  setup: () => ({ kpis: useRealtime('kpis.s2', { scopes: ['ops.admin'] }) }),
  template: `<div v-if="kpis.error">Error: {{ kpis.error }}</div>
    <div v-else-if="!kpis.data">Loading...</div>
    <div v-else>
      <div>Status: {{ kpis.connected ? 'Live' : 'Offline' }}</div>
      <div>Crash-free: {{ kpis.data.crash_free }}%</div>
      <div>Messages: {{ kpis.stats.messagesReceived }}</div>
    </div>`,
});

const Dashboard = defineComponent({
  setup: () => ({ topics: useRealtimeMulti(['kpis.s2', 'liveops.events']) }),
  template: `<div>KPIs: {{ topics['kpis.s2']?.data?.crash_free }}%</div>
    <ul class="events"><li v-for="e in topics['liveops.events']?.data ?? []" :key="e.id">{{ e.kind }}: {{ e.name }}</li></ul>`,
});

const Switcher = defineComponent({
  setup() {
    const topic = ref('economy.patch');
    return { topic, state: useRealtime(topic) }; // a ref as the name: changing it moves the subscription
  },
  template: `<select v-model="topic"><option>economy.patch</option><option>ab.status</option></select>
    {{ state.status }}: <code>{{ JSON.stringify(state.data) }}</code>`,
});

createApp({
  components: { Status, Kpis, Dashboard, Switcher },
  template: `<h1>Vue</h1>
    <div class="card"><Status /></div>
    <div class="card"><h2>KPIs</h2><Kpis /></div>
    <div class="card"><h2>Multiple topics</h2><Dashboard /></div>
    <div class="card"><h2>Switching topics</h2><Switcher /></div>`,
})
  .use(createRealtime({ client, scopes: [...options.scopes, 'economy.admin'] }))
  .mount('#app');
