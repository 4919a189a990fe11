#!/usr/bin/env node
// Thin executable: the CLI lives in provider/cli (compiled to dist/ by `npm run build`).
import { main } from '../dist/provider/cli/main.js';

process.exitCode = await main(process.argv);
