// Refuse every TCP connection that leaves this machine, and remember who tried.
// Imported first by every flow script: a client that phones home (telemetry, a
// gateway, a price list) fails loudly and the attempt is reported in the JSON result,
// where the pytest side asserts that the list is empty.
import net from 'node:net';

export const blocked = [];

const LOCAL_NAMES = new Set(['localhost', 'ip6-localhost', 'ip6-loopback']);

export function isLocal(host) {
  if (host === undefined || host === null || host === '') return true;
  const name = String(host).replace(/^\[|\]$/g, '').toLowerCase();
  if (LOCAL_NAMES.has(name)) return true;
  if (net.isIPv4(name)) return name.startsWith('127.');
  if (net.isIPv6(name)) return name === '::1' || name.startsWith('::ffff:127.');
  return false;
}

// net.Socket.prototype.connect receives (options, cb), (port, host, cb), (path, cb) or,
// from net.connect(), one normalised [options, cb] array.
function peerOf(args) {
  let first = args[0];
  if (Array.isArray(first)) first = first[0];
  if (first !== null && typeof first === 'object') {
    return first.path ? null : { host: first.host, port: first.port };
  }
  if (typeof first === 'number' || /^\d+$/.test(String(first))) {
    return { host: typeof args[1] === 'string' ? args[1] : undefined, port: first };
  }
  return null; // a unix socket path
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const peer = peerOf(args);
  if (peer && !isLocal(peer.host)) {
    const what = `${peer.host}:${peer.port}`;
    blocked.push(what);
    throw new Error(
      `fakeopenai compat suite: network access to ${what} is blocked (only 127.0.0.1 is allowed)`,
    );
  }
  return connect.apply(this, args);
};
