// node-redis's Sentinel client, configured only from the app contract (REDIS_*).
'use strict';

const { run, infoField } = require('./suite');

async function main() {
  // snippet:begin connect
  const { createSentinel } = require('redis');

  const env = process.env;
  // With REDIS_TLS=true trust the stack's CA; the server certificate names every
  // address Sentinel announces, so the host name is verified as usual.
  const socket = env.REDIS_TLS === 'true' ? { tls: true, ca: env.REDIS_TLS_CA_CERT } : {};
  const auth = { username: env.REDIS_USERNAME || undefined, password: env.REDIS_PASSWORD, socket };
  const sentinel = await createSentinel({
    name: env.REDIS_SENTINEL_MASTER_NAME,
    sentinelRootNodes: env.REDIS_SENTINELS.split(',').map((address) => {
      const colon = address.lastIndexOf(':');
      return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
    }),
    nodeClientOptions: auth, // the master and replicas (ACL user set only with ACL)
    sentinelClientOptions: auth, // sentinels require auth too
    replicaPoolSize: 1, // read-only commands go to the replicas
  })
    .on('error', (err) => console.error('redis sentinel:', err.message))
    .connect();
  // snippet:end

  await run({
    library: `node-redis ${require('redis/package.json').version}`,
    prefix: env.CLIENT_KEY_PREFIX || 'clients:node-redis',
    master: {
      set: (key, value) => sentinel.set(key, value),
      // GET and MGET are read-only: with replicas in use they would read a
      // replica; the writer's check must read the master.
      get: (key) => sentinel.sendCommand(false, ['GET', key]),
      mget: (keys) => sentinel.sendCommand(false, ['MGET', ...keys]),
      info: (section) => sentinel.sendCommand(false, ['INFO', section]),
    },
    async readReplica(key) {
      const value = await sentinel.get(key);
      const role = infoField(await sentinel.sendCommand(true, ['INFO', 'replication']), 'role');
      return { value, role };
    },
    close: () => sentinel.close(),
  });
}

main().catch((err) => {
  process.stdout.write(JSON.stringify({ event: 'error', error: String(err && err.stack ? err.stack : err) }) + '\n');
  process.exit(1);
});
