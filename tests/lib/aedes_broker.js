// aedes_broker.js: aedes, an MQTT broker written for Node, over TLS
// (Node's tls, with the certificates pki.sh made) on 127.0.0.1 and a port
// the kernel picks, as shipped: for check_caps, a broker that is not
// mosquitto.
//
//   node aedes_broker.js MODULES_DIR CERT KEY
//
// Prints the port on one line once it listens; exits on its own after
// 60 seconds, whatever the test does.
'use strict';
const fs = require('fs');
const path = require('path');
const tls = require('tls');

const [dir, cert, key] = process.argv.slice(2);
const aedes = require(path.resolve(dir, 'node_modules', 'aedes'))();
const server = tls.createServer({ cert: fs.readFileSync(cert),
    key: fs.readFileSync(key) }, aedes.handle);

server.listen(0, '127.0.0.1', () => {
    process.stdout.write(server.address().port + '\n');
});
setTimeout(() => process.exit(0), 60000);
