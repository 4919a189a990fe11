// Durations as people write them on a command line: "90s", "15m", "24h", "7d", "1d12h".
import { ConfigurationError } from '../core/index.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;

export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '') throw new ConfigurationError('empty duration: write it like 30m, 24h or 7d');
  let total = 0;
  PART.lastIndex = 0;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = PART.exec(trimmed)) !== null) {
    total += Number(match[1]) * UNIT_MS[match[2]];
    consumed = PART.lastIndex;
  }
  if (consumed !== trimmed.length) {
    throw new ConfigurationError(`invalid duration "${text}": write it like 30m, 24h, 7d or 1d12h (units ms, s, m, h, d, w)`);
  }
  return total;
}
