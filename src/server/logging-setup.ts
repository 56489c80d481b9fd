import { pino, type DestinationStream, type Logger } from 'pino';

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
 * JSON goes through an asynchronous destination that collects lines up to
 * 4 KiB and writes at least every 100 ms (pino writes what is left when the
 * process exits), so a busy server makes one write() system call per few
 * dozen lines instead of one per line. A process killed with SIGKILL can lose
 * the last 100 ms of lines.
 */
export function createServerLogger(options: LoggerOptions): Logger {
  const destination =
    options.destination ??
    (options.format === 'pretty'
      ? prettyStream(pino.destination({ fd: 2, sync: true }))
      : pino.destination({ fd: 2, sync: false, minLength: 4096, periodicFlush: FLUSH_MS }));
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
