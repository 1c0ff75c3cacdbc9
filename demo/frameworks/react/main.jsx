/**
 * React example: the seed's three components, unchanged, under a provider that owns its client, in StrictMode.
 */
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { RealtimeProvider, useRealtime, useRealtimeConnection, useRealtimeMulti } from '@lydian/realtime/react';
import { options } from '../config.js';

// ---- the seed's examples ----
function MyComponent() {
  const { data, connected, error, stats } = useRealtime('kpis.s2', { scopes: ['ops.admin'] });

  if (error) return <div>Error: {error}</div>;
  if (!data) return <div>Loading...</div>;

  return (
    <div>
      <div>Status: {connected ? 'Live' : 'Offline'}</div>
      <div>Crash-free: {data.crash_free}%</div>
      <div>Messages: {stats.messagesReceived}</div>
    </div>
  );
}

function Dashboard() {
  const topics = useRealtimeMulti(['kpis.s2', 'liveops.events'], { scopes: ['ops.admin', 'liveops.admin'] });

  return (
    <div>
      <div>KPIs: {topics['kpis.s2'].data?.crash_free}%</div>
      <div>Events: {topics['liveops.events'].data?.length}</div>
    </div>
  );
}

function StatusIndicator() {
  const { connected, stats } = useRealtimeConnection();

  return (
    <div>
      <span className={connected ? 'online' : 'offline'}>{connected ? '● Live' : '○ Offline'}</span>
      <span> Reconnects: {stats.reconnectCount}</span>
    </div>
  );
}

// ---- beyond the seed ----
/** An event stream kept as a list: the first user of a topic decides how it folds, so this renders first. */
function EventFeed() {
  const { data = [], error } = useRealtime('liveops.events', { scopes: ['liveops.admin'], reduce: 'append', limit: 5 });
  if (error) return <p>Error: {error}</p>;
  return (
    <ul className="events">
      {data.map((e) => (
        <li key={e.id}>
          {e.kind}: {e.name}
        </li>
      ))}
    </ul>
  );
}

/** A topic that can be switched: the old one is unsubscribed a moment after it is left. */
function Switcher() {
  const [topic, setTopic] = useState('economy.patch');
  const { data, status } = useRealtime(topic);
  return (
    <div>
      <select value={topic} onChange={(e) => setTopic(e.target.value)}>
        <option>economy.patch</option>
        <option>ab.status</option>
      </select>{' '}
      {status}: <code>{JSON.stringify(data)}</code>
    </div>
  );
}

createRoot(document.getElementById('app')).render(
  <StrictMode>
    <RealtimeProvider options={{ ...options, scopes: [...options.scopes, 'economy.admin'] }}>
      <h1>React</h1>
      <div className="card">
        <StatusIndicator />
      </div>
      <div className="card">
        <h2>Live events</h2>
        <EventFeed />
      </div>
      <div className="card">
        <h2>Basic usage</h2>
        <MyComponent />
      </div>
      <div className="card">
        <h2>Multiple topics</h2>
        <Dashboard />
      </div>
      <div className="card">
        <h2>Switching topics</h2>
        <Switcher />
      </div>
    </RealtimeProvider>
  </StrictMode>,
);
