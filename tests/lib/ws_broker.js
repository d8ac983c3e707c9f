// ws_broker.js: a real MQTT-over-WebSocket broker for the tests: aedes
// behind the ws package, over plain HTTP or HTTPS (Node's tls with the
// certificates pki.sh made), on 127.0.0.1 and a port the kernel picks.
//
//   node ws_broker.js MODULES_DIR plain|tls [CERT KEY [TLSMAX]]
//
// Prints the port on one line once it listens.  Upgrades on /mqtt are
// answered, offering to agree on the 'mqtt' subprotocol only; any other
// path gets 404, as a reverse proxy in front of a broker answers.  It
// exits on its own after 60 seconds, whatever the test does.
'use strict';
const fs = require('fs');
const path = require('path');
const http = require('http');
const https = require('https');

const [dir, mode, cert, key, tlsmax] = process.argv.slice(2);
const aedes = require(path.resolve(dir, 'node_modules', 'aedes'))();
const { WebSocketServer, createWebSocketStream } =
    require(path.resolve(dir, 'node_modules', 'ws'));

const server = mode === 'tls'
    ? https.createServer({ cert: fs.readFileSync(cert),
        key: fs.readFileSync(key), maxVersion: tlsmax || 'TLSv1.3' })
    : http.createServer();
server.on('request', (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('a web page, not a WebSocket\n');
});
const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => protocols.has('mqtt') ? 'mqtt' : false,
});
server.on('upgrade', (req, socket, head) => {
    if (req.url !== '/mqtt') {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
        return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
        aedes.handle(createWebSocketStream(ws));
    });
});
server.listen(0, '127.0.0.1', () => {
    process.stdout.write(server.address().port + '\n');
});
setTimeout(() => process.exit(0), 60000);
