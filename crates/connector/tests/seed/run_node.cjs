// Runs the seed's JavaScript examples (connect.js, then send.js once connected) unchanged,
// in Node, with the `ws` package as the browser's `WebSocket`.
//
// Added around them, not inside: every frame received is written to stderr as
// `SERVER <frame>` (for the Rust test to validate), and the socket is closed after the
// first `stream_end`, which the seed leaves to the page.
// Usage: node run_node.cjs FILLED_CONNECT_JS FILLED_SEND_JS
'use strict';

const fs = require('node:fs');
const WebSocket = require('ws');

const [connectPath, sendPath] = process.argv.slice(2);
const connectCode = fs.readFileSync(connectPath, 'utf8');
const sendCode = fs.readFileSync(sendPath, 'utf8');

// The seed's `const ws = new WebSocket(...)` runs with `WebSocket` bound to `ws`'s class.
const ws = new Function('WebSocket', `${connectCode}\nreturn ws;`)(WebSocket);
const send = new Function('ws', sendCode);

ws.addEventListener('message', (event) => {
  process.stderr.write(`SERVER ${event.data}\n`);
  const data = JSON.parse(event.data);
  if (data.type === 'connected') {
    send(ws);
  } else if (data.type === 'stream_chunk') {
    console.log('Chunk:', data.chunk);
  } else if (data.type === 'stream_end') {
    console.log('Stream end:', data.full_response, JSON.stringify(data.token_usage));
    ws.close(1000);
  }
});
ws.addEventListener('error', (event) => {
  console.error('WebSocket error:', event.message);
  process.exitCode = 1;
});
ws.addEventListener('close', (event) => {
  console.log('Closed:', event.code);
});
