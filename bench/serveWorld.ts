// The emulator of a benchmark, in a process of its own: it generates the fleet (a one-vault fleet or an estate), writes
// the fleet and a spec that declares it into the directory it is given, serves them, and prints its endpoint as one line
// of JSON. It stops when its standard input ends. Run by `withServedWorld` (benchWorld.ts), so the time and memory a
// benchmark prints are vmbackup's own, as they are against Azure.
// Usage: node dist/bench/serveWorld.js DIR '{"fleet":{...}|"estate":{...},"emulator":{...}}'
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { fleetSubscriptions, generateEstate, generateFleet, startEmulator } from '../emulator/index.js';
import { estateSpecText } from '../provider/cli/estateSpec.js';
import { oneVaultSpecText, SERVED_SPEC, type ServeRequest } from './benchWorld.js';

async function serve(dir: string, request: ServeRequest): Promise<void> {
  const estate = request.estate ? generateEstate(request.estate) : undefined;
  const fleet = estate ?? generateFleet(request.fleet ?? { vms: 100 });
  await writeFile(join(dir, 'fleet.yaml'), stringify(fleet));
  await writeFile(join(dir, SERVED_SPEC), estate ? estateSpecText(estate) : oneVaultSpecText(fleet as unknown as Parameters<typeof oneVaultSpecText>[0]));
  const emulator = await startEmulator({ port: 0, ...request.emulator, stateDir: join(dir, 'state'), fleetFile: join(dir, 'fleet.yaml') });
  process.stdout.write(`${JSON.stringify({ endpoint: emulator.endpoint, subscriptionId: fleetSubscriptions(fleet as Parameters<typeof fleetSubscriptions>[0])[0].subscriptionId })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void emulator.close().then(() => process.exit(0)));
}

const [dir, json] = process.argv.slice(2);
if (dir && json) await serve(dir, JSON.parse(json) as ServeRequest);
