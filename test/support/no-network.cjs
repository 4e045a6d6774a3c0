// Preloaded with `node --require` into tools that must work offline (redocly, openapi-typescript):
// every attempt to open a network connection or resolve a name is refused and reported on stderr
// as `no-network: …`, so a test can assert that a tool tried nothing. Unix sockets stay allowed.
const net = require('node:net');
const dns = require('node:dns');

function report(what) {
  process.stderr.write(`no-network: refused ${what}\n`);
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function refusedConnect(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: args[1] };
  if (options.path !== undefined) return connect.apply(this, args);
  report(`a connection to ${options.host ?? 'localhost'}:${options.port}`);
  process.nextTick(() => this.destroy(new Error('network access refused')));
  return this;
};

function refusedLookup(host, ...rest) {
  report(`a DNS lookup of ${host}`);
  const callback = rest.at(-1);
  if (typeof callback === 'function') process.nextTick(() => callback(new Error('network access refused')));
}
dns.lookup = refusedLookup;
dns.promises.lookup = async (host) => {
  report(`a DNS lookup of ${host}`);
  throw new Error('network access refused');
};
