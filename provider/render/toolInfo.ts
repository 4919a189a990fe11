// The tool's identity as reports state it (SARIF tool.driver), read once from the package manifest.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ToolInfo {
  readonly name: string;
  readonly version: string;
  readonly informationUri: string;
}

// Where to learn what the tool automates when the manifest names no homepage of its own.
const FALLBACK_INFORMATION_URI = 'https://learn.microsoft.com/azure/backup/backup-azure-vms-introduction';

let cached: ToolInfo | undefined;

export function toolInfo(): ToolInfo {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string; homepage?: string };
      if (pkg.name === 'vmbackup') {
        cached = { name: 'vmbackup', version: pkg.version ?? '0.0.0', informationUri: pkg.homepage ?? FALLBACK_INFORMATION_URI };
        return cached;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      cached = { name: 'vmbackup', version: '0.0.0', informationUri: FALLBACK_INFORMATION_URI };
      return cached;
    }
    dir = parent;
  }
}
