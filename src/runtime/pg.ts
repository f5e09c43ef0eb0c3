/**
 * node-postgres: a Pool or a Client handed to guard.wrap() comes back as a proxy whose `query` shows
 * each statement to the guard before it is sent, and whose `connect` hands out clients wrapped the
 * same way. Everything else reaches the real object. Kysely, Knex, Drizzle, TypeORM and Prisma's pg
 * adapter all query through these two methods.
 */

/** What the guard needs of a statement check: nothing when it passes, the error to fail the query with when it does not. */
export type StatementCheck = (text: string) => Error | undefined;

type Callback = (...args: unknown[]) => unknown;

/** node-postgres takes a callback as the last argument, whichever form the call has. */
function lastCallback(args: unknown[]): Callback | undefined {
  const last = args[args.length - 1];
  return typeof last === 'function' ? (last as Callback) : undefined;
}

/** The first argument of query(): the SQL text, or a config object (`{ text }`, a prepared `{ name, text }`, a Cursor or QueryStream). */
function statementText(first: unknown): string | undefined {
  if (typeof first === 'string') return first;
  if (first && typeof first === 'object' && typeof (first as { text?: unknown }).text === 'string') return (first as { text: string }).text;
  return undefined;
}

/** A Submittable (pg-cursor, pg-query-stream) is returned by query() itself and reports errors through its own handler. */
function isSubmittable(first: unknown): boolean {
  return !!first && typeof first === 'object' && typeof (first as { submit?: unknown }).submit === 'function';
}

function guardedQuery(target: object, query: Callback, check: StatementCheck): Callback {
  return function (this: unknown, ...args: unknown[]) {
    // The check never throws; reading the argument is the one thing here that could, and then the query goes on unwatched.
    let violation: Error | undefined;
    try {
      const text = statementText(args[0]);
      violation = text === undefined ? undefined : check(text);
    } catch {
      violation = undefined;
    }
    if (violation) {
      const callback = lastCallback(args);
      if (isSubmittable(args[0])) throw violation;
      if (callback) {
        // Asynchronously, as node-postgres itself reports errors to a callback.
        process.nextTick(() => callback(violation));
        return undefined;
      }
      return Promise.reject(violation);
    }
    // The real object as `this`: a Pool's query() then checks out a client of its own, unwrapped, and the statement is seen once.
    return query.apply(target, args);
  };
}

function guardedConnect(target: object, connect: Callback, check: StatementCheck): Callback {
  return function (this: unknown, ...args: unknown[]) {
    const callback = lastCallback(args);
    if (callback) {
      // connect((err, client, release) => …)
      return connect.call(target, (error: unknown, client: unknown, release: unknown) =>
        callback(error, client ? wrapQueryable(client as object, check) : client, release),
      );
    }
    const connected = connect.apply(target, args) as Promise<unknown> | undefined;
    // A Pool resolves to its client; a Client's connect() resolves to nothing.
    return connected?.then((client) => (client && typeof client === 'object' ? wrapQueryable(client, check) : client));
  };
}

/** Each object's proxy, per guard: wrapping twice, or a pool handing out the same client again, gives the same proxy. */
const proxies = new WeakMap<StatementCheck, WeakMap<object, object>>();

/** A proxy of a node-postgres Pool or Client (anything with query(), and connect() when it has one). */
export function wrapQueryable<T extends object>(target: T, check: StatementCheck): T {
  let wrapped = proxies.get(check);
  if (!wrapped) proxies.set(check, (wrapped = new WeakMap()));
  const known = wrapped.get(target);
  if (known) return known as T;
  const proxy = new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'query') return guardedQuery(object, value as Callback, check);
      if (property === 'connect') return guardedConnect(object, value as Callback, check);
      return value;
    },
  });
  wrapped.set(target, proxy);
  return proxy;
}
