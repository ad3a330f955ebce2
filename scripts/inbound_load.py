#!/usr/bin/env python3
"""Inbound webhook latency under concurrent load: N posters (threads) send signed generic deliveries, each a new
message (a new contact every 20 messages), to one inbox for D seconds; prints requests, errors and p50/p90/p99.

    scripts/inbound_load.py --url http://127.0.0.1:8080 --path /webhooks/channels/generic/<id> --secret whsec_… \
        [--concurrency 16] [--seconds 10]

Standard library only. The client shares the machine with the server: say so with the figures.
"""
import argparse, base64, hashlib, hmac, http.client, json, threading, time, urllib.parse, uuid


def sign(secret, msg_id, ts, body):
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def poster(args, stop, lat, errors, n):
    u = urllib.parse.urlparse(args.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    i = 0
    while time.time() < stop:
        i += 1
        body = json.dumps({
            "contact": {"externalId": f"load-{n}-{i // 20}", "name": f"Load {n}"},
            "message": {"id": str(uuid.uuid4()), "text": f"message {i} of poster {n}"},
        }).encode()
        ts = int(time.time())
        headers = {"content-type": "application/json", "webhook-id": f"load_{n}_{i}",
                   "webhook-timestamp": str(ts), "webhook-signature": sign(args.secret, f"load_{n}_{i}", ts, body)}
        t0 = time.perf_counter()
        try:
            conn.request("POST", args.path, body, headers)
            resp = conn.getresponse()
            resp.read()
            ok = resp.status == 200
        except Exception:
            conn.close()
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            ok = False
        lat.append(time.perf_counter() - t0)
        if not ok:
            errors.append(1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--path", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--seconds", type=float, default=10)
    args = p.parse_args()
    lat, errors = [], []
    stop = time.time() + args.seconds
    threads = [threading.Thread(target=poster, args=(args, stop, lat, errors, n)) for n in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat.sort()
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
    print(f"requests {len(lat)} ({len(lat) / args.seconds:.0f}/s), errors {len(errors)}, "
          f"p50 {pct(0.50):.1f} ms, p90 {pct(0.90):.1f} ms, p99 {pct(0.99):.1f} ms, max {lat[-1] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
