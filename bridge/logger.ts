import pino, { type Logger } from 'pino';

/**
 * The bridge's logger: JSON lines (pino). Anything that could hold a secret is redacted by
 * path, as a second line of defence: secrets are never put in log objects in the first place.
 */
export function createLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  return pino({
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
  });
}

export const silentLogger: Logger = pino({ level: 'silent' });
