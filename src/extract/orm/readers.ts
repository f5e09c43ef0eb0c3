/** Every framework reader, in the order chains are offered to them. */
import { drizzleReader } from './drizzle.js';
import { knexReader } from './knex.js';
import { kyselyReader } from './kysely.js';
import { prismaReader } from './prisma.js';
import type { FrameworkReader } from './types.js';
import { typeormReader } from './typeorm.js';

export const READERS: readonly FrameworkReader[] = [knexReader, kyselyReader, drizzleReader, prismaReader, typeormReader];
