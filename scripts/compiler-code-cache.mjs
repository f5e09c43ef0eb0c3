// Stores V8's compiled code for the TypeScript compiler in dist/code-cache/ (run by `npm run build`;
// see src/extract/typescript-compiler.ts). The sample covers the syntax repositories hold, so that
// the parser functions it needs are in the cache too.
import { writeCompilerCodeCache } from '../dist/extract/typescript-compiler.js';

const sample = `
import { Injectable, Inject } from '@nestjs/common';
import type { Knex } from 'knex';
import * as db from '../db/index.js';
export { helper } from './helper';
const sql = (strings: TemplateStringsArray, ...values: unknown[]) => ({ strings, values });
enum Kind { A = 'a', B = 'b' }
interface Row { id: string; amount?: number; readonly tags: string[] }
type Maybe<T> = T | undefined;
@Entity({ name: 'billing_invoices' })
export class Invoice<T extends Row = Row> extends Base implements Named {
  @Column() private readonly amount: number = 0;
  static #count = 0;
  constructor(@Inject('DB') private readonly knex: Knex, public name?: string) { super(); }
  get total(): number { return this.amount ?? 0; }
  async load(id: string): Promise<Maybe<T>> {
    const rows = await this.knex('billing_invoices').where({ id }).select<T[]>('*');
    const q = sql\`SELECT * FROM billing_invoices WHERE id = \${id} AND n > \${rows.length}\`;
    for (const [key, value] of Object.entries({ a: 1, ...rows[0] })) if (key in q) continue;
    try { return rows?.[0] as T; } catch (error: unknown) { throw new Error(\`failed: \${String(error)}\`); }
  }
}
export default function handler(this: void, { a, b: [c, ...d] }: { a: number; b: number[] }, ...rest: string[]): void {
  label: while (a-- > 0) { switch (a) { case 1: break label; default: a = a satisfies number; } }
  const f = async function* () { yield* [1, 2]; };
  const o = { m() { return new Map<string, number>([['x', 1]]); }, [Symbol.iterator]: 1, 'q': /re+/gi, n: 0x1f, big: 10n };
  void f, o, c, d, rest;
}
declare module 'x' { export const y: number; }
namespace N { export abstract class A { abstract m(): void } }
`;
const { bytes } = writeCompilerCodeCache(sample);
console.log(`compiler code cache: ${(bytes / 2 ** 20).toFixed(1)} MB in dist/code-cache/`);
