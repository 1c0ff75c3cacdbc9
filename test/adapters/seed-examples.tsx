/**
 * The seed's three React examples ("Client Usage": basic usage, multiple topics, connection only), their
 * component code copied unchanged; only the import points at this package instead of the seed's
 * `@/lib/realtime/client/useRealtime`. Type-checked by `tsc -p tsconfig.json` (needs `"jsx": "react-jsx"`)
 * and rendered against the real gateway by seed-examples.test.ts.
 */
import { useRealtime, useRealtimeConnection, useRealtimeMulti } from '../../src/adapters/react.js';

/** The seed leaves `KPIData` to the application: the shape its publisher sends on `kpis.s2`. */
export interface KPIData {
  crash_free: number;
  p95_gpu: number;
  ts: number;
}

// ---- Basic Usage (seed, unchanged) ----
function MyComponent() {
  const { data, connected, error, stats } = useRealtime<KPIData>('kpis.s2', {
    scopes: ['ops.admin'],
  });

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

// ---- Multiple Topics (seed, unchanged) ----
function Dashboard() {
  const topics = useRealtimeMulti<any>(['kpis.s2', 'liveops.events'], {
    scopes: ['ops.admin', 'liveops.admin'],
  });

  return (
    <div>
      <div>KPIs: {topics['kpis.s2'].data?.crash_free}%</div>
      <div>Events: {topics['liveops.events'].data?.length}</div>
    </div>
  );
}

// ---- Connection Only (seed, unchanged) ----
function StatusIndicator() {
  const { connected, stats } = useRealtimeConnection();

  return (
    <div>
      <span className={connected ? 'online' : 'offline'}>
        {connected ? '● Live' : '○ Offline'}
      </span>
      <span>Reconnects: {stats.reconnectCount}</span>
    </div>
  );
}

export { Dashboard, MyComponent, StatusIndicator };
