import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Creates the service logger: JSON lines on stdout. Article text and secrets are never logged;
 * the redact list is a safety net for objects that are logged whole.
 */
export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    name: opts.name ?? 'textclf',
    redact: {
      paths: [
        'req.headers.authorization',
        'authorization',
        'text',
        'texts',
        'articles',
        '*.text',
        '*.articles',
      ],
      censor: '[redacted]',
    },
  };
  return pino(options);
}

/** A logger that drops everything: for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
