/**
 * The ownership map's schema, defined once. Types, validation messages and the JSON Schema
 * for editors (`schema-guard map schema`) all derive from it.
 */
import { z } from 'zod';
import { checkGlob } from '../glob/match.js';
import { isNegatedGlob } from './globs.js';

// Messages are completed by the loader into `<file>:<line>:<column>: <path>: <message>`, so each says what was expected.
const domainId = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, 'expected a domain id: lower-case letters, digits and dashes');
/** A glob the bounded matcher reads (src/glob/match.ts): a map is untrusted input, and no glob in it may make matching slow. */
const glob = z
  .string()
  .min(1, 'expected a non-empty glob')
  .superRefine((value, context) => {
    const problem = checkGlob(value);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });
/**
 * A list of file globs. Where negation works (`negation: true`) a file matches the list when it matches a
 * glob without `!` and none with `!`, whatever their order; elsewhere a `!` glob is refused where it stands,
 * never read as a positive one.
 */
function globList(where: string, negation: boolean) {
  return z.array(glob).superRefine((globs, context) => {
    const negated = globs.flatMap((value, index) => (isNegatedGlob(value) ? [index] : []));
    if (negated.length === 0) return;
    if (!negation) {
      for (const index of negated) {
        context.addIssue({ code: 'custom', path: [index], message: `negated globs are not supported in ${where}: expected a glob without \`!\`, listing what it covers` });
      }
    } else if (negated.length === globs.length) {
      context.addIssue({ code: 'custom', path: [negated[0]!], message: 'a negated glob only takes files out of the list\'s other globs: expected at least one glob without `!` in this list' });
    }
  });
}
const operation = z
  .enum(['read', 'insert', 'update', 'delete', 'truncate', 'merge', 'copy', 'create', 'alter', 'drop', 'reference', 'write'])
  .describe('A table operation; `write` stands for every write (insert, update, delete, truncate, merge, copy, create, alter, drop)');

export const DomainSchema = z
  .object({
    name: z.string().optional().describe('Human name of the domain (default: its id)'),
    kind: z.enum(['platform', 'product']).default('product').describe('platform: shared foundation others build on; product: a product area'),
    folders: globList('folders', true).describe(
      'Source folders (globs, relative to the repository root) whose code belongs to this domain; `!glob` takes files out',
    ),
    entry: globList('entry', true)
      .default([])
      .describe(
        "The domain's public files (globs): other domains import these, and cross-domain-import names them in its fix. Besides these, the package entry and, for a domain that is a folder inside a package, its folder's index file are ways in",
      ),
    prefixes: z.array(z.string().min(1)).default([]).describe('Owner-visible table name prefixes: a table named with one belongs to this domain'),
    schemas: z.array(z.string().min(1)).default([]).describe('PostgreSQL schemas this domain owns outright (`billing.*`)'),
    owners: z
      .object({
        primary: z.string().optional(),
        secondary: z.string().optional(),
        severity: z.string().optional(),
      })
      .strict()
      .optional()
      .describe('Who answers for the domain: primary and secondary owner, on-call severity'),
    dependsOn: z
      .array(domainId)
      .optional()
      .describe(
        'Domains this one may depend on (read, join, reference, import) besides those earlier in the dependency chain; declaring it puts the domain under dependency-direction',
      ),
  })
  .strict();

const TableEntry = z
  .string()
  .min(1, 'expected a table name')
  .describe(
    'Table name, optionally schema-qualified, exactly as PostgreSQL stores it: `webServerSettings` is the identifier code writes "webServerSettings" (quotes are needed only around a dot or a quote), no schema means public',
  );

export const FamilySchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a family id: lower-case letters, digits and dashes'),
    name: z.string().optional().describe('Human name of the family (default: its id)'),
    tables: z.array(TableEntry).default([]),
    schemas: z.array(z.string().min(1)).default([]).describe('Whole PostgreSQL schemas in this family'),
    currentOwner: z.string().optional().describe('Who owns it today, in free text (default: the target owner)'),
    targetOwner: domainId.describe('The domain that owns it'),
    targetOwnerText: z.string().optional().describe('The target owner in free text'),
    guardRule: z
      .string()
      .optional()
      .describe('What other domains must do instead of touching these tables (default: a sentence naming the owner)'),
    readers: z.array(domainId).default([]).describe('Other domains allowed to read this family through an explicit contract'),
  })
  .strict()
  .transform((family) => ({
    ...family,
    name: family.name ?? family.id,
    currentOwner: family.currentOwner ?? family.targetOwner,
    guardRule: family.guardRule ?? defaultGuardRule(family.targetOwner),
  }));

/** The guard rule of a family whose map does not word one. */
export function defaultGuardRule(owner: string): string {
  return `Only ${owner} code queries these tables; other domains go through an API, a read model or events of ${owner}.`;
}

export const RestrictedTableRuleSchema = z
  .object({
    rule: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a rule id: lower-case letters, digits and dashes'),
    description: z.string(),
    tables: z.array(TableEntry).default([]),
    families: z.array(z.string()).default([]).describe('Family ids: every table of these families is covered'),
    operations: z.array(operation).min(1, 'expected at least one operation').describe('The operations the rule forbids'),
    allow: z
      .object({
        domains: z.array(domainId).default([]),
        folders: globList('allow.folders', true).default([]),
      })
      .strict()
      .default({ domains: [], folders: [] })
      .describe('Who may perform the forbidden operations; empty means nobody'),
    level: z.enum(['note', 'warning', 'error']).default('error'),
    blocking: z.boolean().default(false).describe('A blocking rule fails the run whatever --fail-on says'),
  })
  .strict();

export const DependencyChainSchema = z
  .object({
    order: z
      .array(domainId)
      .default([])
      .describe('Domain modules from foundational to derived: each depends only on modules earlier in the list'),
    crossCutting: z
      .array(domainId)
      .default([])
      .describe('Modules that observe every module of the chain without a place in it, and are depended upon by none'),
  })
  .strict();

export const TenancySchema = z
  .object({
    mode: z
      .enum(['row-level', 'database-per-tenant'])
      .describe('row-level: tenant-scoped tables carry the tenant column and row-level security; database-per-tenant: one database per tenant'),
    column: z.string().min(1).default('tenant_id').describe('The tenant column of tenant-scoped tables'),
    scoped: z
      .object({
        families: z.array(z.string()).default([]).describe('Family ids: every table of these families is tenant-scoped'),
        schemas: z.array(z.string().min(1)).default([]).describe('PostgreSQL schemas whose tables are all tenant-scoped'),
        tables: z.array(TableEntry).default([]),
      })
      .strict()
      .describe('The tenant-scoped tables'),
  })
  .strict();

export const SensitiveColumnsSchema = z
  .object({
    table: TableEntry,
    columns: z.array(z.string().min(1)).min(1, 'expected at least one column'),
    owner: domainId.optional().describe("The domain that may select them; the table's owner when absent"),
  })
  .strict();

export const ExceptionSchema = z
  .object({
    id: z.string().min(1),
    reason: z.string().min(1),
    link: z.string().min(1).describe('Where the exception is tracked: a URL or a document section'),
    rules: z.array(z.string()).min(1, 'expected at least one rule id').describe('Rule ids this exception waives'),
    folders: globList('folders', true)
      .default([])
      .describe('Files the exception applies to; with domains too, a file matching either is covered; neither means every file'),
    domains: z.array(domainId).default([]).describe('Domains whose files the exception applies to'),
    tables: z
      .array(glob.refine((value) => !isNegatedGlob(value), 'negated globs are not supported in an exception\'s tables: expected table names or globs that list what it covers'))
      .default([])
      .describe('Table names or globs: `policy_*` matches public tables by name, `billing.*` matches `schema.name`; all tables when empty'),
    operations: z.array(operation).default([]).describe('Operations waived; all when empty. `write` stands for every write'),
    expires: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
      .optional()
      .describe('Last day (inclusive) the exception applies'),
  })
  .strict();

export const OwnershipMapSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(1),
    title: z.string().optional(),
    ownershipRules: z.array(z.string()).default([]).describe('The ownership rules in words, for people reading the map'),
    domains: z.record(domainId, DomainSchema),
    families: z.array(FamilySchema),
    restrictedTables: z.array(RestrictedTableRuleSchema).default([]),
    dependencyChain: DependencyChainSchema.optional().describe('The allowed direction of dependencies between modules'),
    tenancy: TenancySchema.optional().describe('Tenant-scoped tables and how tenants are isolated'),
    sensitiveColumns: z
      .array(SensitiveColumnsSchema)
      .default([])
      .describe('Columns that only their owning domain may select (secrets, credentials)'),
    readModelFolders: globList('readModelFolders', true).default([]).describe('Read-model code: joins across families are allowed there'),
    ownerHeaderFolders: globList('ownerHeaderFolders', true)
      .default([])
      .describe('Transitional multi-domain surfaces whose files must name their owning domain in `// @owner <domain-id>`'),
    retiredImports: z
      .array(
        z
          .object({
            folder: glob.refine((value) => !isNegatedGlob(value), 'negated globs are not supported in retiredImports: expected the glob of the retired folder'),
            reason: z.string(),
          })
          .strict(),
      )
      .default([]),
    exceptions: z.array(ExceptionSchema).default([]),
    ignore: globList('ignore', false).default([]).describe('Globs of files never scanned'),
    fileNotAnalysed: z
      .object({ level: z.enum(['note', 'warning', 'error']).default('error') })
      .strict()
      .default({ level: 'error' })
      .describe('The level of file-not-analysed findings: files in scope that could not be read or parsed (binary, too large, nested too deeply, unreadable)'),
  })
  .strict()
  .transform((map) => ({
    ...map,
    domains: Object.fromEntries(Object.entries(map.domains).map(([id, domain]) => [id, { ...domain, name: domain.name ?? id }])),
  }));

export type OwnershipMapInput = z.input<typeof OwnershipMapSchema>;
export type OwnershipMap = z.output<typeof OwnershipMapSchema>;
export type Domain = OwnershipMap['domains'][string];
export type Family = z.output<typeof FamilySchema>;
export type RestrictedTableRule = z.output<typeof RestrictedTableRuleSchema>;
export type MapException = z.output<typeof ExceptionSchema>;
export type MapOperation = z.output<typeof operation>;
export type Tenancy = z.output<typeof TenancySchema>;
export type SensitiveColumns = z.output<typeof SensitiveColumnsSchema>;
