import pino, { type Logger } from 'pino';

/** The service's own log (JSON lines on stdout). User output never goes here: it belongs to the log store. */
export function createLogger(level: string, name: string): Logger {
  return pino({ name, level, redact: ['secretKey', '*.secretKey', 'authorization', '*.authorization'] });
}
