/** The npm packages each framework is imported from. */
import type { OrmFramework } from './types.js';

const PACKAGES: Array<[RegExp, OrmFramework]> = [
  [/^knex(\/|$)/, 'knex'],
  [/^kysely(\/|$)/, 'kysely'],
  [/^drizzle-orm(\/|$)/, 'drizzle'],
  [/^(@prisma\/client|\.prisma\/client)(\/|$)/, 'prisma'],
  [/^(typeorm|@nestjs\/typeorm)(\/|$)/, 'typeorm'],
];

export function frameworkOfPackage(specifier: string): OrmFramework | undefined {
  return PACKAGES.find(([pattern]) => pattern.test(specifier))?.[1];
}
