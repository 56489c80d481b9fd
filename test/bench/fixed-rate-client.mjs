// A fixed-rate (open-loop) HTTP load generator: sends POST requests at `rate`
// per second over keep-alive connections (node:http Agent) for `seconds`.
// wrk has no fixed-rate mode and Debian has no wrk2. Requests are sent on a
// 1 ms timer (those due in each millisecond together, so the client does not
// spin a core the server needs), and each latency is measured twice: from the
// moment it was sent (the server's latency) and from the moment it was due
// (adds the timer's lateness; no coordinated omission either way).
//
//   node test/bench/fixed-rate-client.mjs URL BODY_FILE RATE SECONDS [connections=64]
//
// Prints one JSON line: { rate, achieved, sent, errors, p50Ms, p99Ms, maxMs, dueP50Ms, dueP99Ms }.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

const [url, bodyFile, rateText, secondsText, connectionsText] = process.argv.slice(2);
const body = readFileSync(bodyFile);
const rate = Number(rateText);
const seconds = Number(secondsText);
const agent = new Agent({ keepAlive: true, maxSockets: Number(connectionsText ?? 64) });
const target = new URL(url);
const latencies = [];
const fromDue = [];
let errors = 0;
let sent = 0;
let done = 0;

function send(due) {
  sent++;
  const at = performance.now();
  const req = request(
    { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } },
    (res) => {
      res.on('data', () => undefined);
      res.on('end', () => {
        if (res.statusCode !== 200) errors++;
        const now = performance.now();
        latencies.push(now - at);
        fromDue.push(now - due);
        done++;
      });
    },
  );
  req.on('error', () => {
    errors++;
    done++;
  });
  req.end(body);
}

const started = performance.now();
const total = Math.round(rate * seconds);
await new Promise((resolve) => {
  const tick = () => {
    const now = performance.now();
    // Every request whose time has come is sent now, stamped with its due time.
    while (sent < total && started + (sent / rate) * 1000 <= now) send(started + (sent / rate) * 1000);
    if (sent < total) setTimeout(tick, 1);
    else resolve();
  };
  tick();
});
while (done < sent) await new Promise((resolve) => setTimeout(resolve, 5));
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
fromDue.sort((a, b) => a - b);
const pct = (list, p) => list[Math.min(list.length - 1, Math.floor(p * list.length))];
console.log(
  JSON.stringify({
    rate,
    achieved: done / elapsed,
    sent,
    errors,
    p50Ms: pct(latencies, 0.5),
    p99Ms: pct(latencies, 0.99),
    maxMs: latencies.at(-1),
    dueP50Ms: pct(fromDue, 0.5),
    dueP99Ms: pct(fromDue, 0.99),
  }),
);
agent.destroy();
