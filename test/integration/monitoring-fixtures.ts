/**
 * Samples of a Prometheus text exposition as "name{a="x",b="y"}" → value, with
 * labels sorted by name so that tests do not depend on the order they were written in.
 */
export function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    const series = line.slice(0, i);
    const brace = series.indexOf('{');
    let key = series;
    if (brace >= 0) {
      const labels = [...series.slice(brace + 1, -1).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(
        (m) => `${m[1]}="${m[2]}"`,
      );
      key = `${series.slice(0, brace)}{${labels.sort().join(',')}}`;
    }
    out.set(key, Number(line.slice(i + 1)));
  }
  return out;
}

/** Metric family names of an exposition (from its # TYPE lines). */
export function metricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\w+)$/gm)) names.add(m[1]!);
  return names;
}

/** The sum of every sample of `name` whose labels include all of `labels`. */
export function total(s: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const [key, value] of s) {
    const brace = key.indexOf('{');
    if ((brace < 0 ? key : key.slice(0, brace)) !== name) continue;
    if (wanted.every((w) => key.includes(w))) sum += value;
  }
  return sum;
}
