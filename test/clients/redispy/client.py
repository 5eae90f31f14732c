"""redis-py's Sentinel client, configured only from the app contract (REDIS_*).

Speaks the suite's line protocol (see test/clients/protocol.go): JSON events on
stdout, commands on stdin ("write PHASE", "stop"; EOF ends).
"""
import json
import os
import sys
import tempfile
import threading
import time

BASIC_KEYS = 100
WRITE_INTERVAL = 0.010


def connect():
    # snippet:begin connect
    import redis
    from redis.sentinel import Sentinel

    env = os.environ
    auth = {"username": env.get("REDIS_USERNAME") or None,  # set only with ACL
            "password": env["REDIS_PASSWORD"]}
    if env.get("REDIS_TLS") == "true":
        # Trust the stack's CA; the server certificate names every address
        # Sentinel announces, so the host name is checked as usual.
        with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as ca:
            ca.write(env["REDIS_TLS_CA_CERT"])
        auth.update(ssl=True, ssl_ca_certs=ca.name, ssl_check_hostname=True)
    sentinels = [(host, int(port)) for host, port in
                 (address.rsplit(":", 1) for address in env["REDIS_SENTINELS"].split(","))]
    sentinel = Sentinel(sentinels, sentinel_kwargs=auth,  # sentinels require auth too
                        socket_timeout=1.0, **auth)  # seconds: a dead master costs a timeout, not a hang
    name = env["REDIS_SENTINEL_MASTER_NAME"]
    master = sentinel.master_for(name)  # follows failovers
    replica = sentinel.slave_for(name)  # reads from a replica
    # snippet:end
    return redis, sentinel, name, master, replica


def emit(event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def server(client):
    return client.info("server")["run_id"], client.info("replication")["role"]


class Writer:
    """SET PREFIX:PHASE:N N every 10 ms until stopped; acknowledged on reply."""

    def __init__(self, client, prefix, phase):
        self.client, self.prefix, self.phase = client, f"{prefix}:{phase}:", phase
        self.acked, self.failed, self.longest_gap = [], 0, 0.0
        self.last_ok = time.monotonic()
        self.errors = {}
        self.running = True
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        n = 0
        while self.running:
            started = time.monotonic()
            try:
                self.client.set(self.prefix + str(n), str(n))
                now = time.monotonic()
                self.longest_gap = max(self.longest_gap, now - self.last_ok)
                self.last_ok = now
                self.acked.append(n)
            except Exception as err:  # every failure counts; the next write retries
                self.failed += 1
                kind = "".join(ch for ch in f"{type(err).__name__}: {err}" if not ch.isdigit())[:60]
                self.errors[kind] = self.errors.get(kind, 0) + 1
            n += 1
            time.sleep(max(0.0, WRITE_INTERVAL - (time.monotonic() - started)))

    def stop(self):
        # A writer failing until the end has a gap that lasts until now.
        self.longest_gap = max(self.longest_gap, time.monotonic() - self.last_ok)
        self.running = False
        self.thread.join()
        lost = []
        for i in range(0, len(self.acked), 100):
            chunk = self.acked[i:i + 100]
            values = self.client.mget([self.prefix + str(n) for n in chunk])
            lost += [n for n, v in zip(chunk, values) if v != str(n).encode()]
        return {"acked": len(self.acked), "failed": self.failed, "lost": len(lost),
                "longestGapMs": round(self.longest_gap * 1000),
                "firstLost": lost[0] if lost else -1, "lastLost": lost[-1] if lost else -1,
                "lastAcked": self.acked[-1] if self.acked else -1, "errors": self.errors}


def main():
    redis, sentinel, name, master, replica = connect()
    prefix = os.environ.get("CLIENT_KEY_PREFIX", "clients:redis-py")
    host, port = sentinel.discover_master(name)
    for i in range(BASIC_KEYS):
        master.set(f"{prefix}:basic:{i}", str(i))
    keys = sum(1 for i in range(BASIC_KEYS) if master.get(f"{prefix}:basic:{i}") == str(i).encode())
    probe, want = f"{prefix}:basic:{BASIC_KEYS - 1}", str(BASIC_KEYS - 1).encode()
    value = None
    for _ in range(100):  # replication is asynchronous
        value = replica.get(probe)
        if value == want:
            break
        time.sleep(0.02)
    run_id, role = server(master)
    emit({"event": "ready", "library": f"redis-py {redis.__version__}", "discovered": f"{host}:{port}",
          "runId": run_id, "role": role, "keys": keys, "replicaRead": value == want,
          "replicaRole": replica.info("replication")["role"]})

    writer = None
    for line in sys.stdin:
        words = line.split()
        if len(words) == 2 and words[0] == "write" and writer is None:
            writer = Writer(master, prefix, words[1])
            emit({"event": "writing", "phase": words[1]})
        elif words == ["stop"] and writer is not None:
            result = writer.stop()
            run_id, role = server(master)
            emit({"event": "result", "phase": writer.phase, **result, "runId": run_id, "role": role})
            writer = None
        else:
            emit({"event": "error", "error": f"unexpected command {line!r}"})


if __name__ == "__main__":
    try:
        main()
    except Exception as err:  # report, then fail
        emit({"event": "error", "error": repr(err)})
        sys.exit(1)
