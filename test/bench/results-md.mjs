// Renders the results of run-all.mjs as test/bench/RESULTS.md.
import { profileTable } from './profile-summary.mjs';
import { fmt } from './lib/measure.mjs';

const yes = (ok) => (ok === null ? 'not measured' : ok ? '**met**' : '**not met**');

function table(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** A command line with the checkout's path and the node binary shortened. */
function relative(r, command) {
  return command.replaceAll(`${r.root}/`, '').replaceAll(r.machine.nodePath, 'node');
}

function profileSection(title, profile) {
  if (!profile) return '';
  const threads = profile.threads
    .map((t, i) => `${i === 0 ? 'Main thread' : `Thread ${i + 1} (formatting worker)`} (${t.totalMs.toFixed(0)} ms sampled):\n\n${profileTable(t)}`)
    .join('\n\n');
  return `### ${title}\n\n\`${profile.command}\`\n\n${threads}\n`;
}

export function renderResults(r) {
  const out = [];
  const f = r.files;
  const byId = Object.fromEntries(f.cases.map((c) => [c.id, c]));

  out.push(`# Benchmark results

Produced by one \`npm run bench\` run (\`npm run build && node test/bench/run-all.mjs\`) on ${r.date}; the whole run took
${(r.durationSeconds / 60).toFixed(1)} minutes. Every figure below comes from that run. Times are wall clock, start to exit,
median of ${f.repeats} runs unless stated; rows/s = rows / that time (start-up included).

## Machine

${table(
  ['', ''],
  [
    ['CPU', `${r.machine.cpu} (${r.machine.cores} cores)`],
    ['memory', `${r.machine.memoryGb.toFixed(0)} GB`],
    ['OS', r.machine.os],
    ['Node.js', r.machine.node],
    ['Python (A, A′)', r.machine.python ?? 'n/a'],
    ['load average (1, 5, 15 min) at start / end', `${r.machine.load} / ${r.machine.loadAtEnd}`],
  ],
)}

The machine is shared: other programs (test suites of other sessions) may have run at the same time, and a
load average above ~0.5 at the start means they did. Medians damp that, not fully; compare figures within this run.`);

  // Files.
  out.push(`## Files: \`imind predict\`

Inputs: ${fmt.int(f.rows)} rows of the default schema made by \`imind simulate --rows ${f.rows} --machines 4\`, as CSV
(${fmt.mb(r.inputSizes.csv / 1e6)}) and NDJSON (${fmt.mb(r.inputSizes.ndjson / 1e6)}).

${table(
  ['case', 'time', 'rows/s', 'peak RSS'],
  f.cases.map((c) => [c.label, `${fmt.s(c.seconds)} (${c.runs.map((x) => x.toFixed(2)).join(', ')})`, fmt.int(c.rowsPerSecond), fmt.mb(c.peakMb)]),
)}
${byId['A-csv'] ? `\nA′ writes the same columns; its scores differ from imind's by at most ${byId['A-csv'].maxScoreDifference.toExponential(1)} (float32 arithmetic in another order). Versions: Python ${byId['A-csv'].versions.python}, pandas ${byId['A-csv'].versions.pandas}, torch ${byId['A-csv'].versions.torch} (Debian packages, default threads).\n` : ''}
D′, onnxruntime-node alone (the shipped model, one intra-op thread, pre-made Float32Arrays):

${table(
  ['batch', 'rows/s', 'µs per call'],
  f.ort.map((o) => [fmt.int(o.batch), fmt.int(o.rowsPerSecond), o.usPerCall.toFixed(1)]),
)}

csv-parse on the first ${fmt.int(f.csvParse[0]?.rows)} rows (read only): ${f.csvParse.map((c) => `${c.mode} ${fmt.int(c.rowsPerSecond)} rows/s`).join('; ')}.

Memory on a long stream (\`${r.stream.command}\`): ${(r.stream.bytes / 1e9).toFixed(1)} GB of ${r.stream.format.toUpperCase()}
(${fmt.int(r.stream.rows)} rows) through stdin in ${fmt.s(r.stream.seconds, 0)} (${fmt.int(r.stream.rows / r.stream.seconds)} rows/s)${r.stream.stoppedByTime ? `, stopped by the ${r.streamSeconds} s time limit before 10 GB` : ''}; peak RSS (VmHWM) ${fmt.mb(r.stream.peakMb)}.
RSS every 10 s: ${r.stream.samples.filter((_, i) => i % 10 === 0).map((s) => `${s.t.toFixed(0)} s ${s.rssMb.toFixed(0)} MB`).join(', ')}.

Start-up (${r.startup.tool}, \`${r.startup.command}\`):

${table(
  ['command', 'mean', 'median', 'min', 'max'],
  r.startup.cases.map((c) => [c.label, fmt.ms(c.meanMs), fmt.ms(c.medianMs), fmt.ms(c.minMs), fmt.ms(c.maxMs)]),
)}`);

  const t = r.targets.files;
  out.push(`### Targets (files)

${table(
  ['target', 'measured', ''],
  t.map((x) => [x.target, x.measured, yes(x.met)]),
)}`);

  // HTTP.
  const h = r.http;
  if (h.skipped) {
    out.push(`## HTTP\n\nSkipped: ${h.skipped}.`);
  } else {
    const rows = h.servers.map((s) => [
      s.name,
      ...[1, 16, 64].map((c) => (s.predict[c] ? `${fmt.int(s.predict[c].requestsPerSecond)} (${s.predict[c].p50Ms.toFixed(2)} / ${s.predict[c].p99Ms.toFixed(2)})` : 'n/a')),
      fmt.int(s.batch?.readingsPerSecond),
      fmt.mb(s.idleMb),
      fmt.mb(s.peakMb),
      fmt.ms(s.readyMs, 0),
    ]);
    out.push(`## HTTP: \`imind serve\`

Same machine, same load generator (wrk ${r.machine.wrk ?? ''}), one server process each unless stated, ${h.seconds} s per
measurement after a warm-up. Requests: one reading with a naive timestamp (the seed's validator rejects aware ones);
/predict/batch with 1000 readings. Client and server share the ${r.machine.cores} cores.
${h.imindSkipped ? `\n**B skipped: ${h.imindSkipped}.**\n` : ''}
${table(['server', '/predict c=1: req/s (p50 / p99 ms)', 'c=16', 'c=64', '/predict/batch readings/s (c=8)', 'idle RSS', 'peak RSS', 'start → ready'], rows)}

${h.servers
  .filter((s) => s.paced)
  .map(
    (s) => `${s.name} at half of its highest /predict rate (${fmt.int(s.paced.rate)} req/s offered):
- wrk, paced (${s.paced.connections} connections, each waiting ${s.paced.delayMs} ms after each response; wrk has no fixed-rate mode and Debian has no wrk2): ${fmt.int(s.paced.requestsPerSecond)} req/s, p50 ${fmt.ms(s.paced.p50Ms, 2)}, p99 ${fmt.ms(s.paced.p99Ms, 2)};
- open loop from a Node client (test/bench/fixed-rate-client.mjs, node:http Agent keep-alive, up to 256 sockets): ${s.fixedRate.achieved >= 0.9 * s.paced.rate ? `${fmt.int(s.fixedRate.achieved)} req/s, p50 ${fmt.ms(s.fixedRate.p50Ms, 2)}, p99 ${fmt.ms(s.fixedRate.p99Ms, 2)} (from the due time: p99 ${fmt.ms(s.fixedRate.dueP99Ms, 2)}); at this rate the client itself needs about a core, so on ${r.machine.cores} cores it measures the client as much as the server` : `the client could not keep the rate (${fmt.int(s.fixedRate.achieved)} of ${fmt.int(s.paced.rate)} req/s: it needs about a core itself, and shares ${r.machine.cores} with the server), so its latencies (p99 ${fmt.ms(s.fixedRate.p99Ms, 0)}) measure its own queue, not the server`}.`,
  )
  .join('\n')}

Commands: ${h.servers.map((s) => `\`${relative(r, s.command)}\``).join(', ')}; load: ${[...new Set(h.servers.flatMap((s) => s.wrkCommands.map((c) => c.replace(/http:\/\/127\.0\.0\.1:\d+/, 'URL').replace(/\/tmp\/\S+\//, ''))))].map((c) => `\`${c}\``).join(', ')}.`);

    out.push(`### Targets (HTTP)

${table(
  ['target', 'measured', ''],
  r.targets.http.map((x) => [x.target, x.measured, yes(x.met)]),
)}`);
  }

  // Profiles.
  const profiles = r.profiles.filter((p) => p.profile);
  out.push(`## Where the time goes (targets not met)

${profiles.length === 0 ? 'Every target was met; no profile needed.' : profiles.map((p) => `${p.why}\n\n${profileSection(p.title, p.profile)}`).join('\n')}
${r.notes.length > 0 ? `\n### Notes\n\n${r.notes.map((n) => `- ${n}`).join('\n')}\n` : ''}`);

  if (r.monitoring) {
    const m = r.monitoring;
    out.push(`## Cost of metrics and logging (\`imind serve\`)

Target: throughput loss with metrics and request logs on (the defaults) vs off (\`--log-level warn --no-metrics\`)
≤ 10 %. Measured: ${m.lossPct === null ? 'no figure (the run failed)' : `${m.lossPct.toFixed(1)} % loss`} — ${m.lossPct === null ? '' : m.lossPct <= 10 ? '**met**' : '**not met**'}.
\`${m.command}\` (wrk -t1 -c16 POST /predict, 6 alternating rounds of 4 s, medians):

\`\`\`
${(m.output ?? '').trim().split('\n').slice(-4).join('\n')}
\`\`\``);
  }

  out.push(`## Exact commands

\`\`\`sh
${r.commands.map((c) => relative(r, c)).join('\n')}
\`\`\`

## GPU (\`--device cuda\`): not added

No GPU machine could be lent to the session that built this suite ("no new device machine is lent at present"), so
there is no GPU figure, and without one the flag is not added. What the CPU figures above already say:
onnxruntime-node scores the default model at millions of rows/s on one thread (the D′ table), and scoring is a small
share of \`imind predict\`'s time (reading, validating and writing dominate: see the profiles), so a GPU could
remove at most that share while adding host-to-device copies per batch. Serving is bound by HTTP and JSON work per
request, not by the model. onnxruntime-node's CUDA provider is also not inside its npm package (its install script
fetches it from outside the npm registry, which offline installs here skip). To revisit on a GPU machine: time
\`ort-ceiling.mjs\` with the CUDA provider against the CPU rows above at batches of 4,096-65,536.
`);
  return `${out.join('\n\n')}\n`;
}
