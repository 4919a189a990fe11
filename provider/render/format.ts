// Helpers every view shares: options, colours for terminals, escaping for Markdown and XML, locations.
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import Table from 'cli-table3';
import pc from 'picocolors';
import type { SourceLocation, VaultSettingValues } from '../core/index.js';

export const REPORT_FORMATS = ['text', 'json', 'markdown', 'sarif', 'junit'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const DASHBOARD_FORMATS = ['text', 'json', 'html'] as const;
export type DashboardFormat = (typeof DASHBOARD_FORMATS)[number];

/** Options of the plan and drift views. */
export interface ReportOptions {
  /** ANSI colours in the text view; default false. Never used by json, markdown, sarif or junit. */
  color?: boolean;
  /**
   * Directory SARIF artifact URIs are made relative to (the repository root for code scanning);
   * default the working directory.
   */
  baseDir?: string;
}

export type Colors = ReturnType<typeof pc.createColors>;

export function colors(enabled: boolean | undefined): Colors {
  return pc.createColors(enabled === true);
}

// No rule between body rows: dashboards list many short rows.
const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

export function table(head: readonly string[], c: Colors): Table.Table {
  return new Table({ head: head.map((h) => c.bold(h)), chars: COMPACT, style: { head: [], border: [] } });
}

/** "2026-11-25 04:00 UTC" from an ISO time; other text as given. */
export function shortTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "soft delete on, immutability unlocked, storage GeoRedundant, Cross Region Restore on" */
export function describeVaultSettings(s: VaultSettingValues): string {
  return `soft delete ${s.softDelete}, immutability ${s.immutability}, storage ${s.storageRedundancy}, Cross Region Restore ${s.crossRegionRestore ? 'on' : 'off'}`;
}

export function formatLocation(loc: SourceLocation | undefined): string {
  return loc ? `${loc.file}:${loc.line}:${loc.col}` : '';
}

export { plural } from '../core/index.js';

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * A Markdown table cell: pipes escaped, angle brackets as entities (GitHub would drop them as unknown HTML
 * tags), line breaks kept as <br>.
 */
export function mdCell(text: string | undefined): string {
  if (!text) return '';
  return text
    .replace(/\\/g, '\\\\')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>');
}

/** Inline code that survives backticks inside the text. */
export function mdCode(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${text}${fence.length > 1 ? ' ' : ''}${fence}`;
}

// XML 1.0 forbids most control characters even when escaped; drop them rather than emit an unparsable report.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Text for XML or HTML content and attribute values. */
export function xmlEscape(text: string): string {
  return text
    .replace(XML_INVALID, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * A SARIF artifact URI for a file named as the user gave it (relative to the working directory): relative to
 * baseDir with forward slashes when the file lies inside it (what code scanning expects), else a file URI.
 */
export function artifactUri(file: string, baseDir: string): string {
  const abs = resolve(file);
  const rel = relative(resolve(baseDir), abs);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return pathToFileURL(abs).href;
  return rel.split(sep).map(encodeURIComponent).join('/');
}

export function unreachable(value: never, what: string): never {
  throw new Error(`unknown ${what}: ${String(value)}`);
}
