/** Small helpers the framework readers share to build a ChainReading. */
import type { ts } from 'ts-morph';
import { callbackOf } from './chain.js';
import type { Binding, CallbackRoot, ChainReading } from './types.js';

export function emptyReading(result?: Binding): ChainReading {
  return result ? { result, accesses: [], callbacks: [], rawSql: [] } : { accesses: [], callbacks: [], rawSql: [] };
}

/** Every function written in place among the arguments, as a builder callback. */
export function callbacksIn(args: readonly ts.Expression[], binding: Binding, sameStatement: boolean): CallbackRoot[] {
  const callbacks: CallbackRoot[] = [];
  for (const argument of args) {
    const fn = callbackOf(argument);
    if (fn) callbacks.push({ fn, binding, sameStatement });
  }
  return callbacks;
}
