import { describe, it, expect } from 'vitest';
import { OwnershipMapSchema } from '../src/map/schema.js';
describe('schema', () => { it('rejects empty', () => { expect(OwnershipMapSchema.safeParse({}).success).toBe(false); }); });
