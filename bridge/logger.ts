import pino, { type DestinationStream, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';

/**
 * The bridge's logger (pino): JSON lines for a log collector, or, with `pretty` (serve on a
 * terminal), one readable line per entry (`17:30:44 INFO: 3CX bridge listening on …` and its
 * fields), through pino-pretty in the same process. Anything that could hold a secret is
 * redacted by path, as a second line of defence: secrets are never put in log objects in the
 * first place.
 */
export function createLogger(
  options: { level?: string; pretty?: boolean; destination?: NodeJS.WritableStream } = {},
): Logger {
  const destination: DestinationStream | undefined = options.pretty
    ? pinoPretty({
        colorize: options.destination === undefined,
        translateTime: 'SYS:HH:MM:ss',
        ignore: 'pid,hostname',
        sync: true,
        ...(options.destination ? { destination: options.destination } : {}),
      })
    : (options.destination as DestinationStream | undefined);
  const settings: pino.LoggerOptions = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: {
      paths: [
        'clientSecret',
        '*.clientSecret',
        'client_secret',
        '*.client_secret',
        'apiKey',
        '*.apiKey',
        'authorization',
        '*.authorization',
        'headers.authorization',
        'req.headers.authorization',
        'secret',
        '*.secret',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(settings, destination) : pino(settings);
}

export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * Resolves once every line given to the logger is written. JSON lines go to standard output
 * through pino's asynchronous writer (its default: a write in flight while later lines gather,
 * ~7 µs of CPU a line against ~10 µs written synchronously; a 4 KB buffer before each write
 * saved nothing: BENCHMARKS.md, "quietlog"), so `serve` waits for this after stopping: the
 * last lines (the stop's event counts, bridge/eventLog.ts) are out before the process ends.
 */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
