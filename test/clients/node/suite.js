// The suite's line protocol for the Node clients (see test/clients/protocol.go):
// JSON events on stdout, commands on stdin ("write PHASE", "stop"; EOF ends).
'use strict';

const readline = require('node:readline');

const BASIC_KEYS = 100;
const WRITE_INTERVAL_MS = 10;
const WRITE_TIMEOUT_MS = 1000;

function emit(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no reply within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// infoField reads one "field:value" line of an INFO reply.
function infoField(text, field) {
  const match = new RegExp(`^${field}:(.*)$`, 'm').exec(text);
  return match ? match[1].trim() : '';
}

// A writer phase: SET PREFIX:PHASE:N N every 10 ms until stopped; N counts as
// acknowledged when the server's reply arrived.
class Writer {
  constructor(client, prefix, phase) {
    this.client = client;
    this.prefix = `${prefix}:${phase}:`;
    this.phase = phase;
    this.acked = [];
    this.failed = 0;
    this.errors = {};
    this.longestGap = 0;
    this.running = true;
    this.done = this.loop();
  }

  async loop() {
    this.lastOk = Date.now();
    for (let n = 0; this.running; n++) {
      const started = Date.now();
      try {
        await withTimeout(this.client.set(this.prefix + n, String(n)), WRITE_TIMEOUT_MS);
        const now = Date.now();
        this.longestGap = Math.max(this.longestGap, now - this.lastOk);
        this.lastOk = now;
        this.acked.push(n);
      } catch (err) {
        this.failed++;
        const kind = String(err && err.message ? err.message : err).replace(/[0-9]/g, '').slice(0, 60);
        this.errors[kind] = (this.errors[kind] || 0) + 1;
      }
      await sleep(Math.max(0, WRITE_INTERVAL_MS - (Date.now() - started)));
    }
  }

  async stop() {
    // A writer failing until the end has a gap that lasts until now.
    this.longestGap = Math.max(this.longestGap, Date.now() - this.lastOk);
    this.running = false;
    await this.done;
    const lost = [];
    for (let i = 0; i < this.acked.length; i += 100) {
      const chunk = this.acked.slice(i, i + 100);
      const values = await this.client.mget(chunk.map((n) => this.prefix + n));
      chunk.forEach((n, j) => {
        if (values[j] !== String(n)) lost.push(n);
      });
    }
    const last = (list) => (list.length ? list[list.length - 1] : -1);
    return {
      acked: this.acked.length, failed: this.failed, lost: lost.length, longestGapMs: this.longestGap,
      firstLost: lost.length ? lost[0] : -1, lastLost: last(lost), lastAcked: last(this.acked),
      errors: this.errors,
    };
  }
}

// run drives one client through the protocol. c: {library, prefix, master
// (set/get/mget/info), readReplica(key) → {value, role}, close()}.
async function run(c) {
  try {
    const server = async () => {
      const info = await c.master.info('server');
      const replication = await c.master.info('replication');
      return { runId: infoField(info, 'run_id'), role: infoField(replication, 'role') };
    };
    for (let i = 0; i < BASIC_KEYS; i++) {
      await c.master.set(`${c.prefix}:basic:${i}`, String(i));
    }
    let keys = 0;
    for (let i = 0; i < BASIC_KEYS; i++) {
      if ((await c.master.get(`${c.prefix}:basic:${i}`)) === String(i)) keys++;
    }
    // Replication is asynchronous: poll the replica briefly for the last key.
    const probe = `${c.prefix}:basic:${BASIC_KEYS - 1}`;
    let replica = { value: null, role: '' };
    for (let tries = 0; tries < 100 && replica.value !== String(BASIC_KEYS - 1); tries++) {
      replica = await c.readReplica(probe);
      if (replica.value !== String(BASIC_KEYS - 1)) await sleep(20);
    }
    const s = await server();
    emit({ event: 'ready', library: c.library, runId: s.runId, role: s.role, keys, replicaRead: replica.value === String(BASIC_KEYS - 1), replicaRole: replica.role });

    let writer = null;
    const lines = readline.createInterface({ input: process.stdin });
    for await (const line of lines) {
      const [command, phase] = line.trim().split(/\s+/);
      if (command === 'write' && phase && !writer) {
        writer = new Writer(c.master, c.prefix, phase);
        emit({ event: 'writing', phase });
      } else if (command === 'stop' && writer) {
        const result = await writer.stop();
        const after = await server();
        emit({ event: 'result', phase: writer.phase, ...result, runId: after.runId, role: after.role });
        writer = null;
      } else {
        emit({ event: 'error', error: `unexpected command ${JSON.stringify(line)}` });
      }
    }
    await c.close();
  } catch (err) {
    emit({ event: 'error', error: String(err && err.stack ? err.stack : err) });
    process.exit(1);
  }
  process.exit(0);
}

module.exports = { run, infoField };
