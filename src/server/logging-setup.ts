import cluster from 'node:cluster';
import { pino, type DestinationStream, type Logger } from 'pino';
import { BufferedLineWriter } from './logging-destination.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
export type LogFormat = 'json' | 'pretty';

/** Longest time a JSON log line waits in the buffer. */
export const FLUSH_MS = 100;

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where lines go; stderr (fd 2) by default. */
  destination?: DestinationStream;
}

/**
 * The server's logger: pino JSON lines on stderr, or (format "pretty") the same
 * lines reformatted for a person. A line below the level is never built: pino
 * checks the level before it serializes anything, and the app checks it once
 * before it even assembles the access-log fields.
 *
 * JSON lines are collected and written up to 64 KiB at a time (4 KiB when
 * cluster workers share a pipe), at most 100 ms after they were logged (see
 * BufferedLineWriter); pretty lines, meant for a
 * person at a terminal, are written one by one.
 */
export function createServerLogger(options: LoggerOptions): Logger {
  const destination =
    options.destination ??
    (options.format === 'pretty'
      ? prettyStream(pino.destination({ fd: 2, sync: true }))
      : new BufferedLineWriter(2, { flushMs: FLUSH_MS, shared: cluster.isWorker }));
  return pino(
    { level: options.level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    destination,
  );
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** One pino JSON line as `10:30:00.123 INFO  msg key=value …` (values JSON-encoded when not plain). */
export function formatPretty(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
  const level = (LEVELS[record.level as number] ?? String(record.level)).padEnd(5);
  let out = `${time} ${level} ${typeof record.msg === 'string' ? record.msg : ''}`;
  for (const [key, value] of Object.entries(record)) {
    if (SKIP.has(key) || value === undefined) continue;
    const text = typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
    out += ` ${key}=${text}`;
  }
  return `${out}\n`;
}

/** A pino destination that writes each line pretty-printed to `target`. */
export function prettyStream(target: DestinationStream): DestinationStream {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line) target.write(formatPretty(line));
    },
  };
}
