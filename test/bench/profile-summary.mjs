// Summarises a V8 CPU profile (node --cpu-prof): self time per function, top N.
//
//   node test/bench/profile-summary.mjs FILE.cpuprofile [top=15]
//
// Also importable: summariseProfile(path, top) returns the rows as objects.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Self time per function (name + file:line), sorted, with the share of all samples. */
export function summariseProfile(path, top = 15) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const label = (node) => {
    const f = node.callFrame;
    const where = f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : '';
    return `${f.functionName || '(anonymous)'} ${where}`.trim();
  };
  const counts = new Map();
  let total = 0;
  // timeDeltas[i] is the time before sample i; weight each sample by it.
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const dt = profile.timeDeltas[i] ?? 0;
    let key = label(node);
    // Native code without a name (a C++ builtin or binding): name it by the JS function that called it.
    if (key === '(anonymous)') {
      const parent = byId.get(parentOf.get(node.id));
      if (parent && parent.callFrame.url !== undefined) key = `(native) called from ${label(parent)}`;
    }
    counts.set(key, (counts.get(key) ?? 0) + dt);
    total += dt;
  }
  const rows = [...counts.entries()]
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / total }))
    .sort((a, b) => b.ms - a.ms);
  return { totalMs: total / 1000, rows: rows.slice(0, top) };
}

/** Markdown table of a summary. */
export function profileTable(summary) {
  const lines = ['| self time | share | function |', '|---:|---:|---|'];
  for (const r of summary.rows) lines.push(`| ${r.ms.toFixed(0)} ms | ${(r.share * 100).toFixed(1)} % | \`${r.name}\` |`);
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const summary = summariseProfile(process.argv[2], Number(process.argv[3] ?? 15));
  console.log(`total ${summary.totalMs.toFixed(0)} ms`);
  console.log(profileTable(summary));
}
