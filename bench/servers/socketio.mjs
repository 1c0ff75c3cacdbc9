// Socket.IO 4: websocket transport only, no compression, rooms with `io.to(room).emit`. Messages have the
// gateway's envelope (type, topic, seq, ts, data), so a client does the same work for every server.
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { TOPICS } from '../lib/common.mjs';
import { runServer } from './harness.mjs';

const seqs = new Map(TOPICS.map((t) => [t, 0]));

const http = createServer();
const io = new Server(http, {
  transports: ['websocket'],
  perMessageDeflate: false,
  httpCompression: false,
  serveClient: false,
});
io.on('connection', (socket) => {
  socket.on('sub', (topic) => {
    socket.join(topic);
    socket.emit('ok', topic);
  });
});
await new Promise((r) => http.listen(0, '127.0.0.1', r));

runServer({
  name: 'socket.io',
  getPort: () => http.address().port,
  broadcast(topic, data) {
    const seq = seqs.get(topic) + 1;
    seqs.set(topic, seq);
    io.to(topic).emit('msg', { type: 'msg', topic, seq, ts: Date.now(), data });
  },
});
