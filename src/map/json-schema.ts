/**
 * The ownership map's JSON Schema, generated from the zod schema so the two cannot disagree.
 * The committed ownership-map.schema.json is this output; a test keeps it in step.
 */
import { z } from 'zod';
import { OwnershipMapSchema } from './schema.js';

/**
 * Draft-07, the draft every YAML and JSON editor completes and checks with. `io: 'input'` describes
 * what an author writes, so keys with defaults are optional.
 */
export function ownershipMapJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(OwnershipMapSchema, { io: 'input', target: 'draft-07' });
  return {
    $schema,
    title: 'schema-guard ownership map',
    description: 'Which domain owns which PostgreSQL table family, and where each domain\'s code lives (ownership-map.yaml).',
    ...rest,
  };
}

/** The file's text: two-space indented JSON with a final newline. */
export function renderOwnershipMapJsonSchema(): string {
  return `${JSON.stringify(ownershipMapJsonSchema(), null, 2)}\n`;
}
