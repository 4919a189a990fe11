// The plugin's entry point, as the engine runs it: `pulumi-resource-vmbackup [flags] <engine address>`.
// The port goes on the first line of stdout; everything else goes to the engine's log.
import { connectEngineLogger } from './engineLog.js';
import { serveProvider } from './server.js';

/** The engine passes its address as the last positional argument, after optional logging flags. */
export function engineAddressFrom(argv: readonly string[]): string | undefined {
  return [...argv].reverse().find((a) => !a.startsWith('-'));
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const engineAddress = engineAddressFrom(argv);
  const logger = connectEngineLogger(engineAddress);
  const provider = await serveProvider({ logger, engineAddress });
  process.stdout.write(`${provider.port}\n`);
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    // The embedded emulator must close its SQLite state before the process ends.
    void provider.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((e: unknown) => {
  process.stderr.write(`pulumi-resource-vmbackup: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
