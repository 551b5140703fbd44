import pino, { type Logger, type LoggerOptions } from 'pino';

/** Paths never written to logs, whatever a caller puts in a log object. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.secret',
  '*.apiKey',
  'headers.authorization',
  'headers.cookie',
];

export function loggerOptions(options: { level: string; pretty: boolean }): LoggerOptions {
  return {
    level: options.level,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    base: { service: 'corebase' },
    ...(options.pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: {
              colorize: true,
              translateTime: 'SYS:HH:MM:ss.l',
              ignore: 'pid,hostname,service',
            },
          },
        }
      : {}),
  };
}

export function createLogger(options: { level: string; pretty: boolean }): Logger {
  return pino(loggerOptions(options));
}
