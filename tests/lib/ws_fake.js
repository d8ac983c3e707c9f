// ws_fake.js: a WebSocket server that gets the upgrade wrong on purpose,
// one way per mode, with Node's core modules only.  Plain TCP on
// 127.0.0.1 and a port the kernel picks, printed on one line.
//
//   node ws_fake.js MODE
//
// Modes: 404, 426, 403, noproto (no Sec-WebSocket-Protocol), otherproto,
// badaccept, http200 (a web server), notws (not HTTP at all), close (a
// correct upgrade, then a close frame 1008 when CONNECT arrives), text
// (a text frame instead of CONNACK), masked (a masked frame).  It exits
// after 60 seconds whatever happens.
'use strict';
const net = require('net');
const crypto = require('crypto');

const mode = process.argv[2];
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function accept(key) {
    return crypto.createHash('sha1').update(key + GUID).digest('base64');
}

function frame(opcode, payload, masked) {
    const head = [0x80 | opcode, (masked ? 0x80 : 0) | payload.length];
    const mask = masked ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0);
    return Buffer.concat([Buffer.from(head), mask, payload]);
}

const server = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    let upgraded = false;
    sock.on('error', () => {});
    sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (upgraded) {
            if (mode === 'close') {
                const why = Buffer.from('not allowed here');
                sock.write(frame(8, Buffer.concat([Buffer.from([0x03, 0xf0]),
                    why])));
            } else if (mode === 'text') {
                sock.write(frame(1, Buffer.from([0x20, 2, 0, 0])));
            } else if (mode === 'masked') {
                sock.write(frame(2, Buffer.from([0x20, 2, 0, 0]), true));
            }
            return;
        }
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0)
            return;
        const head = buf.slice(0, end).toString();
        buf = buf.slice(end + 4);
        const m = /^sec-websocket-key:\s*(\S+)/im.exec(head);
        const key = m ? m[1] : '';
        const ok = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n' +
            'Connection: Upgrade\r\n';
        switch (mode) {
        case '404':
            sock.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
            return;
        case '426':
            sock.end('HTTP/1.1 426 Upgrade Required\r\n' +
                'Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n');
            return;
        case '403':
            sock.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
            return;
        case 'http200':
            sock.end('HTTP/1.1 200 OK\r\nServer: fake-web\r\n' +
                'Content-Length: 6\r\n\r\nhello\n');
            return;
        case 'notws':
            sock.end('SSH-2.0-OpenSSH_9.2\r\n');
            return;
        case 'noproto':
            sock.write(ok + 'Sec-WebSocket-Accept: ' + accept(key) +
                '\r\n\r\n');
            return;
        case 'otherproto':
            sock.write(ok + 'Sec-WebSocket-Accept: ' + accept(key) +
                '\r\nSec-WebSocket-Protocol: mqttv3.1\r\n\r\n');
            return;
        case 'badaccept':
            sock.write(ok + 'Sec-WebSocket-Accept: ' + accept(key + 'x') +
                '\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n');
            return;
        default:
            upgraded = true;
            sock.write(ok + 'Sec-WebSocket-Accept: ' + accept(key) +
                '\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n');
        }
    });
});
server.listen(0, '127.0.0.1', () => {
    process.stdout.write(server.address().port + '\n');
});
setTimeout(() => process.exit(0), 60000);
