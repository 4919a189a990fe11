// Files shipped with the package (schemas, examples, the dashboard's built script) are found from this module,
// not from the working directory. In core because the CLI and the views both read them; imported by path,
// not through core/index.ts, whose types the browser script also reads.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packagePath(...parts: string[]): string {
  if (!root) {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'schemas'))) {
      const parent = dirname(dir);
      if (parent === dir) throw new Error('cannot find the vmbackup package root');
      dir = parent;
    }
    root = dir;
  }
  return join(root, ...parts);
}
