/**
 * The ownership map's schema, defined once. Types, validation messages and the JSON Schema
 * for editors (`schema-guard map schema`) all derive from it.
 */
import { z } from 'zod';
import { checkGlob } from '../glob/match.js';

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
const operation = z
  .enum(['read', 'insert', 'update', 'delete', 'truncate', 'merge', 'copy', 'create', 'alter', 'drop', 'reference', 'write'])
  .describe('A table operation; `write` stands for every write (insert, update, delete, truncate, merge, copy, create, alter, drop)');

export const DomainSchema = z
  .object({
    name: z.string().describe('Human name of the domain, as the seed writes it'),
    kind: z.enum(['platform', 'product']),
    folders: z.array(glob).describe('Source folders (globs, relative to the repository root) whose code belongs to this domain'),
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
      .describe('Seed 002 metadata: primary and secondary owner, on-call severity'),
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
    'Table name as SQL writes it, optionally schema-qualified: unquoted parts fold to lower case, "Quoted" parts keep their case, no schema means public',
  );

export const FamilySchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a family id: lower-case letters, digits and dashes'),
    name: z.string(),
    tables: z.array(TableEntry).default([]),
    schemas: z.array(z.string().min(1)).default([]).describe('Whole PostgreSQL schemas in this family'),
    currentOwner: z.string().describe('Who owns it today (free text from the seed)'),
    targetOwner: domainId.describe('The domain that owns it'),
    targetOwnerText: z.string().optional().describe('The target owner as the seed words it'),
    guardRule: z.string(),
    readers: z.array(domainId).default([]).describe('Other domains allowed to read this family through an explicit contract'),
  })
  .strict();

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
        folders: z.array(glob).default([]),
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
      .describe('Domain modules from foundational to derived (seed 001): each depends only on modules earlier in the list'),
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
    folders: z
      .array(glob)
      .default([])
      .describe('Files the exception applies to; with domains too, a file matching either is covered; neither means every file'),
    domains: z.array(domainId).default([]).describe('Domains whose files the exception applies to'),
    tables: z
      .array(glob)
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
    ownershipRules: z.array(z.string()).default([]).describe('The ownership rules, in the seed\'s words'),
    domains: z.record(domainId, DomainSchema),
    families: z.array(FamilySchema),
    restrictedTables: z.array(RestrictedTableRuleSchema).default([]),
    dependencyChain: DependencyChainSchema.optional().describe('The allowed direction of dependencies between modules (seed 001)'),
    tenancy: TenancySchema.optional().describe('Tenant-scoped tables and how tenants are isolated (seeds 003 and 004)'),
    sensitiveColumns: z
      .array(SensitiveColumnsSchema)
      .default([])
      .describe('Columns that only their owning domain may select (secrets, credentials)'),
    readModelFolders: z.array(glob).default([]).describe('Read-model code: joins across families are allowed there'),
    ownerHeaderFolders: z
      .array(glob)
      .default([])
      .describe('Transitional multi-domain surfaces whose files must name their owning domain in `// @owner <domain-id>`'),
    retiredImports: z
      .array(z.object({ folder: glob, reason: z.string() }).strict())
      .default([]),
    exceptions: z.array(ExceptionSchema).default([]),
    ignore: z.array(glob).default([]).describe('Globs of files never scanned'),
  })
  .strict();

export type OwnershipMapInput = z.input<typeof OwnershipMapSchema>;
export type OwnershipMap = z.output<typeof OwnershipMapSchema>;
export type Domain = z.output<typeof DomainSchema>;
export type Family = z.output<typeof FamilySchema>;
export type RestrictedTableRule = z.output<typeof RestrictedTableRuleSchema>;
export type MapException = z.output<typeof ExceptionSchema>;
export type MapOperation = z.output<typeof operation>;
export type Tenancy = z.output<typeof TenancySchema>;
export type SensitiveColumns = z.output<typeof SensitiveColumnsSchema>;
