// Collects diagnostics, placing each at the YAML node its path names.
import type { Diagnostic, Severity } from '../core/index.js';
import { formatPath, type Locator, type Path } from './yamlSource.js';

export interface Finding {
  readonly code: string;
  readonly message: string;
  readonly path: Path;
  readonly remedy?: string;
  /** Default error. */
  readonly severity?: Severity;
  /** Point at the key of the last path segment rather than its value. */
  readonly at?: 'key' | 'value';
  /**
   * The error is about this key alone (an unknown key): the object around it is still well formed, so the
   * rules go on checking it and every problem of the spec is reported at once.
   */
  readonly contained?: boolean;
}

export interface Reporter {
  readonly diagnostics: Diagnostic[];
  report(finding: Finding): void;
  /** `FILE:LINE:COL` of a path, for messages that point at a second place. */
  where(path: Path): string | undefined;
  /** True when no error was reported at or below `path`, leaving aside errors about one key alone (`contained`). */
  clean(path: Path): boolean;
}

/** `pathPrefix` is prepended to every diagnostic's path (a policy validated on its own). */
export function createReporter(locate: Locator, pathPrefix = ''): Reporter {
  const diagnostics: Diagnostic[] = [];
  const errorPaths: string[] = [];
  return {
    diagnostics,
    report({ code, message, path, remedy, severity = 'error', at, contained = false }) {
      const location = locate(path, at);
      const text = formatPath(path, pathPrefix);
      diagnostics.push({ severity, code, message, path: text, ...(location ? { location } : {}), ...(remedy ? { remedy } : {}) });
      if (severity === 'error' && !contained) errorPaths.push(formatPath(path));
    },
    where(path) {
      const location = locate(path);
      return location && `${location.file}:${location.line}:${location.col}`;
    },
    clean(path) {
      const prefix = formatPath(path);
      return !errorPaths.some(
        (p) => prefix === '' || p === prefix || p.startsWith(`${prefix}.`) || p.startsWith(`${prefix}[`),
      );
    },
  };
}
