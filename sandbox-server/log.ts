import pino, { type Logger } from 'pino';
import { readEnvironment } from './config/environment.ts';

export function createLogger(level: string = readEnvironment(process.env).LOG_LEVEL): Logger {
  return pino({ level, base: undefined });
}
