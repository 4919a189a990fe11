// Logs reach the user through the engine's Engine.Log RPC (stdout belongs to the port handshake and
// stderr is only shown with verbose engine logging).
import * as grpc from '@grpc/grpc-js';
import { engineGrpc, enginePb } from './protocol.js';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

export interface EngineLogger {
  log(level: LogLevel, message: string, urn?: string): void;
  close(): void;
}

const SEVERITY = {
  debug: enginePb.LogSeverity.DEBUG,
  info: enginePb.LogSeverity.INFO,
  warning: enginePb.LogSeverity.WARNING,
  error: enginePb.LogSeverity.ERROR,
} as const;

/** A logger that sends to the engine at `address`; without an address it writes to stderr. */
export function connectEngineLogger(address: string | undefined): EngineLogger {
  if (!address) {
    return {
      log: (level, message, urn) => process.stderr.write(`${level}: ${urn ? `${urn}: ` : ''}${message}\n`),
      close: () => {},
    };
  }
  const client = new engineGrpc.EngineClient(address, grpc.credentials.createInsecure());
  return {
    log(level, message, urn) {
      const req = new enginePb.LogRequest();
      req.setSeverity(SEVERITY[level]);
      req.setMessage(message);
      if (urn) req.setUrn(urn);
      // A lost log line must never fail the operation it describes.
      client.log(req, (err) => {
        if (err) process.stderr.write(`${level}: ${message}\n`);
      });
    },
    close: () => client.close(),
  };
}
