// The TypeScript SDK for both module systems, after `tsc -p tsconfig.json` compiled the ESM build:
// ESM declarations beside it, and a CommonJS build with declarations in dist/cjs (for programs of
// `pulumi new typescript`'s layout, which compile to CommonJS with node10 module resolution).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = (...args) => execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.sdk.json'), ...args], { stdio: 'inherit', cwd: root });

run();
run('--module', 'nodenext', '--moduleResolution', 'nodenext', '--emitDeclarationOnly', '--outDir', path.join(root, 'dist', 'provider', 'pulumi', 'sdk'));
// The package is "type": "module"; this marker makes Node and TypeScript read dist/cjs as CommonJS.
writeFileSync(path.join(root, 'dist', 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
