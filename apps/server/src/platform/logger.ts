import pino, { type Logger, type LoggerOptions } from 'pino';

/** Paths never written to logs, whatever a caller puts in a log object. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-csrf-token"]',
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

/** `/reset?token=abc&x=1` → `/reset?token=[redacted]&x=[redacted]`: query values may be secrets. */
export function redactQuery(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const keys = url
    .slice(at + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => `${pair.split('=', 1)[0]}=[redacted]`);
  return `${url.slice(0, at)}?${keys.join('&')}`;
}

type TLoggedRequest = {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
};

export function loggerOptions(options: { level: string; pretty: boolean }): LoggerOptions {
  return {
    level: options.level,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    serializers: {
      req: (req: TLoggedRequest) => ({
        method: req.method,
        url: req.url === undefined ? undefined : redactQuery(req.url),
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
    },
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
