import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';
import { main } from '../../src/cli/main.js';
import { ROOT_MAP, writeRepo } from '../helpers.js';

function terminal(isTTY = true) {
  const writes: string[] = [];
  return { stream: { isTTY, write: (text: string) => writes.push(text) }, writes };
}

/** A clock the test moves by hand. */
function clock() {
  let time = 1_000;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

const CLEAR = '\r\u001b[2K';

describe('progress on stderr', () => {
  it('stays silent for the first half second, then shows files done / total and erases itself at the end', () => {
    const { stream, writes } = terminal();
    const time = clock();
    const progress = createProgress(stream, { env: {}, now: time.now });
    progress.update(25, 300);
    time.advance(499);
    progress.update(50, 300);
    expect(writes).toEqual([]);
    time.advance(1);
    progress.update(75, 300);
    progress.finish();
    expect(writes).toEqual([`${CLEAR}schema-guard: 75/300 files analysed`, CLEAR]);
  });

  it('redraws at most every 100 ms, but always shows the last file', () => {
    const { stream, writes } = terminal();
    const time = clock();
    const progress = createProgress(stream, { env: {}, now: time.now, delayMs: 0 });
    progress.update(1, 3);
    time.advance(50);
    progress.update(2, 3);
    progress.update(3, 3);
    expect(writes).toEqual([`${CLEAR}schema-guard: 1/3 files analysed`, `${CLEAR}schema-guard: 3/3 files analysed`]);
  });

  it('erases nothing when it never drew', () => {
    const { stream, writes } = terminal();
    const progress = createProgress(stream, { env: {}, now: clock().now });
    progress.update(1, 2);
    progress.finish();
    expect(writes).toEqual([]);
  });

  it('is silent when stderr is not a terminal, when CI is set and with --quiet', () => {
    for (const [isTTY, options] of [
      [false, { env: {} }],
      [true, { env: { CI: 'true' } }],
      [true, { env: { CI: '1' } }],
      [true, { env: {}, quiet: true }],
    ] as const) {
      const { stream, writes } = terminal(isTTY);
      const progress = createProgress(stream, { ...options, delayMs: 0, now: clock().now });
      progress.update(1, 1);
      progress.finish();
      expect(writes, JSON.stringify({ isTTY, options })).toEqual([]);
    }
  });

  it('treats CI=false and an empty CI as not CI', () => {
    for (const CI of ['false', '0', '']) {
      const { stream, writes } = terminal();
      createProgress(stream, { env: { CI }, delayMs: 0, now: clock().now }).update(1, 1);
      expect(writes, CI).toHaveLength(1);
    }
  });

  it('keeps a piped stderr clean in a real check', async () => {
    const root = writeRepo({ 'packages/gpuaas/provisioning/src/orgs.ts': "pool.query('SELECT * FROM organizations');\n" });
    let stderr = '';
    const exitCode = await main(['--root', root, '--map', ROOT_MAP], { stdout: { write: () => true }, stderr: { isTTY: false, write: (t: string) => (stderr += t) } });
    expect(exitCode).toBe(0);
    expect(stderr).toBe('');
  });
});
