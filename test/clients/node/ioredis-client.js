// ioredis in Sentinel mode, configured only from the app contract (REDIS_*).
'use strict';

const { run, infoField } = require('./suite');

// snippet:begin connect
const Redis = require('ioredis');

const env = process.env;
// With REDIS_TLS=true trust the stack's CA; the server certificate names every
// address Sentinel announces, so the host name is verified as usual.
const tls = env.REDIS_TLS === 'true' ? { ca: env.REDIS_TLS_CA_CERT } : undefined;
const options = {
  name: env.REDIS_SENTINEL_MASTER_NAME,
  sentinels: env.REDIS_SENTINELS.split(',').map((address) => {
    const colon = address.lastIndexOf(':');
    return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
  }),
  username: env.REDIS_USERNAME || undefined, // set only with ACL
  password: env.REDIS_PASSWORD,
  sentinelUsername: env.REDIS_USERNAME || undefined, // sentinels require auth too
  sentinelPassword: env.REDIS_PASSWORD,
  tls,
  sentinelTLS: tls,
  enableTLSForSentinelMode: Boolean(tls),
};
const redis = new Redis(options); // the master, followed through failovers
const replica = new Redis({ ...options, role: 'slave' }); // reads from a replica
// snippet:end

run({
  library: `ioredis ${require('ioredis/package.json').version}`,
  prefix: env.CLIENT_KEY_PREFIX || 'clients:ioredis',
  master: redis,
  async readReplica(key) {
    const value = await replica.get(key);
    return { value, role: infoField(await replica.info('replication'), 'role') };
  },
  async close() {
    redis.disconnect();
    replica.disconnect();
  },
});
