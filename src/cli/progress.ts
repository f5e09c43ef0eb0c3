/**
 * A progress line on stderr for long scans ("schema-guard: 120/3400 files analysed"). It shows only
 * on a terminal, never when CI is set or with --quiet, and only once the scan has taken half a second;
 * it is redrawn at most ten times a second and erased when the scan ends.
 */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Progress {
  update(done: number, total: number): void;
  finish(): void;
}

export interface ProgressOptions {
  env?: NodeJS.ProcessEnv;
  quiet?: boolean;
  /** Milliseconds before the first line is drawn. */
  delayMs?: number;
  now?: () => number;
}

const REDRAW_MS = 100;
const CLEAR_LINE = '\r\u001b[2K';

export function createProgress(stream: ProgressStream, options: ProgressOptions = {}): Progress {
  const { env = process.env, quiet = false, delayMs = 500, now = Date.now } = options;
  if (!stream.isTTY || quiet || isCI(env)) return { update: () => {}, finish: () => {} };
  const start = now();
  let lastDraw: number | undefined;
  return {
    update(done, total) {
      const time = now();
      if (time - start < delayMs) return;
      if (lastDraw !== undefined && time - lastDraw < REDRAW_MS && done < total) return;
      lastDraw = time;
      stream.write(`${CLEAR_LINE}schema-guard: ${done}/${total} files analysed`);
    },
    finish() {
      if (lastDraw !== undefined) stream.write(CLEAR_LINE);
    },
  };
}

/** CI=true, CI=1 … count; an empty CI, CI=0 and CI=false do not. */
function isCI(env: NodeJS.ProcessEnv): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}
