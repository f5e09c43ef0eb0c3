import type { RuleFinding } from '../rule.js';
import { at, type DbRule } from './context.js';

/** A migration statement the embedded database never applied: what it creates is missing from every other check. */
export const migrationError: DbRule = {
  id: 'migration-error',
  checkCatalog(context) {
    return context.failures.map(
      (failure): RuleFinding => ({
        ...at(failure, context),
        message: `This migration statement did not apply, so what it creates is missing from db check: ${failure.message.replace(/\.$/, '')}.`,
      }),
    );
  },
};
