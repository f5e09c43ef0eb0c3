/**
 * Who sent a statement: the first frame of the current stack that lies in the repository, outside
 * node_modules and outside schema-guard itself. The stack is read as text, after the test runner's
 * source-map support (vitest, tsx, jest, node --enable-source-maps) has mapped it back to the
 * TypeScript the developer wrote; async frames (`at async f (…)`) count like any other.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CallSite {
  /** Repository-relative POSIX path. */
  file: string;
  line: number;
  column: number;
  /** The function name V8 gives the frame, for messages only (fingerprints use the source's own names). */
  functionName?: string;
}

/** Frames enough to get past a driver, a query builder and an ORM down to the application. */
const STACK_DEPTH = 60;

// `at fn (location)`, `at async fn (location)`, `at location`; location is `file:line:column`.
const FRAME = /^\s*at (?:async )?(?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/;

/** schema-guard's own code, wherever it runs from (dist/ when installed, src/ under a TypeScript runner). */
const OWN_FOLDERS = ((): string[] => {
  const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
  return [path.join(packageRoot, 'dist') + path.sep, path.join(packageRoot, 'src') + path.sep];
})();

/** Frame lines remembered: a test suite's stacks repeat the same few hundred lines. */
const MAX_KNOWN_LINES = 20_000;

export class CallerLocator {
  private readonly root: string;
  /** Each frame line's site, or null for a frame that is not the application's. */
  private readonly known = new Map<string, CallSite | null>();

  constructor(root: string) {
    this.root = path.resolve(root) + path.sep;
  }

  /** The current stack's text: captured with a depth of its own, leaving Error.stackTraceLimit as it was. */
  static captureStack(): string {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = STACK_DEPTH;
    const holder: { stack?: string } = {};
    try {
      Error.captureStackTrace(holder, CallerLocator.captureStack);
    } finally {
      Error.stackTraceLimit = limit;
    }
    return holder.stack ?? '';
  }

  /** The application frame of a stack's text, or undefined when no frame lies in the repository. */
  locate(stack: string): CallSite | undefined {
    return this.frames(stack, 1)[0];
  }

  /** The repository frames of a stack's text, innermost first, at most `max`. */
  frames(stack: string, max: number): CallSite[] {
    const found: CallSite[] = [];
    for (const line of stack.split('\n')) {
      if (found.length >= max) break;
      let site = this.known.get(line);
      if (site === undefined) {
        site = this.siteOf(line);
        if (this.known.size >= MAX_KNOWN_LINES) this.known.clear();
        this.known.set(line, site);
      }
      if (site) found.push(site);
    }
    return found;
  }

  private siteOf(line: string): CallSite | null {
    const match = FRAME.exec(line);
    const file = match ? this.repositoryFile(match[2]!) : undefined;
    if (!match || file === undefined) return null;
    const site: CallSite = { file, line: Number(match[3]), column: Number(match[4]) };
    const name = match[1]?.trim();
    if (name && name !== '<anonymous>') site.functionName = name;
    return site;
  }

  /** A frame's location as a repository-relative path, when it is the application's code. */
  private repositoryFile(location: string): string | undefined {
    let file = location;
    if (file.startsWith('file://')) {
      try {
        file = fileURLToPath(file);
      } catch {
        return undefined;
      }
    }
    // node:internal, eval'd code, native frames: nobody's source file.
    if (!path.isAbsolute(file)) return undefined;
    file = path.normalize(file);
    if (!file.startsWith(this.root)) return undefined;
    if (OWN_FOLDERS.some((folder) => file.startsWith(folder))) return undefined;
    const relative = file.slice(this.root.length).split(path.sep).join('/');
    if (relative.split('/').includes('node_modules')) return undefined;
    return relative;
  }
}
