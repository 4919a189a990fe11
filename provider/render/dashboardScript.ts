// The dashboard page's script: browser/dashboard.ts as `npm run build` bundles it (esbuild, one IIFE). It is
// read once and inlined by the page, so the page stays one file that requests nothing.
import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../core/index.js';
import { packagePath } from '../core/packagePath.js';

/** Where package.json's build script writes the bundle, from the package root. */
const BUNDLE = ['dist', 'provider', 'render', 'browser', 'dashboard.js'] as const;

let cached: string | undefined;

export function dashboardScript(): string {
  if (cached !== undefined) return cached;
  const file = packagePath(...BUNDLE);
  let script: string;
  try {
    script = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigurationError(`cannot read the dashboard page's script ${file}: run \`npm run build\`, which bundles it`);
  }
  // Inside a <script> element, "</script" would end the script early and "<!--" would change how it is parsed.
  if (/<\/script|<!--/i.test(script)) throw new Error(`${file} cannot be inlined in a page: it contains "</script" or "<!--"`);
  cached = script;
  return script;
}
