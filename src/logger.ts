import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Structured JSON logs; human-readable through pino-pretty when a person is watching a
 * terminal. `destination` lets tests capture or silence the output.
 */
export function createLogger(level: string, options: { pretty?: boolean; destination?: pino.DestinationStream } = {}): Logger {
  const pretty = options.pretty ?? (process.stdout.isTTY === true && options.destination === undefined);
  if (pretty) {
    return pino({ level, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return options.destination ? pino({ level }, options.destination) : pino({ level });
}
