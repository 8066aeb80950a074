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
