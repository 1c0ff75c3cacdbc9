// Socket.IO 4: websocket transport only, no compression, rooms with `io.to(room).emit`.
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { runServer } from './harness.mjs';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false, httpCompression: false, serveClient: false });
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
    io.to(topic).emit('msg', { topic, data });
  },
});
