// The floor: a minimal `ws` broadcast server. Rooms are Sets; a broadcast serializes once (one JSON.stringify,
// one Buffer) and calls ws.send for each member. No auth, no backpressure, no history, no queue. Its messages
// have the gateway's envelope (type, topic, seq, ts, data), so a client does the same work for either.
import { WebSocketServer } from 'ws';
import { TOPICS } from '../lib/common.mjs';
import { runServer } from './harness.mjs';

const rooms = new Map(TOPICS.map((t) => [t, new Set()]));
const seqs = new Map(TOPICS.map((t) => [t, 0]));
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, clientTracking: false });
await new Promise((r) => wss.once('listening', r));
wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', (data) => {
    let m;
    try {
      m = JSON.parse(data.toString());
    } catch {
      return;
    }
    const room = rooms.get(m.sub);
    if (!room) return;
    room.add(ws);
    ws.send(`{"ok":${JSON.stringify(m.sub)}}`);
  });
  ws.on('close', () => {
    for (const room of rooms.values()) room.delete(ws);
  });
});

runServer({
  name: 'raw-ws',
  getPort: () => wss.address().port,
  broadcast(topic, data) {
    const seq = seqs.get(topic) + 1;
    seqs.set(topic, seq);
    const buf = Buffer.from(JSON.stringify({ type: 'msg', topic, seq, ts: Date.now(), data }));
    for (const ws of rooms.get(topic)) ws.send(buf, { binary: false });
  },
});
