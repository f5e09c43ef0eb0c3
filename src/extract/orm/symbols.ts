/**
 * The repository symbol table the ORM pass reads across files: exported framework bindings (Drizzle
 * tables, clients, entities …) per file with re-exports followed, TypeORM entities and Prisma models.
 * Plain data, so it can be hashed into cache keys and handed to worker threads.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { TableName } from '../../facts/types.js';
import type { Binding } from './types.js';

export interface EntityInfo {
  className: string;
  /** Undefined when `@Entity` names the table with something computed. */
  table?: TableName;
  /** Relation properties → the related entity's key (`file#Class`), or its class name when written as a string. */
  relations: Record<string, string>;
  /** The class extends BaseEntity: `User.find()` and `user.save()` query the database. */
  activeRecord: boolean;
}

export interface PrismaModel {
  /** Folder of the .prisma file(s) that declare it: the models of one folder make one client. */
  folder: string;
  model: string;
  table: TableName;
  /** Relation fields → the related model's name. */
  relations: Record<string, string>;
}

export interface RepoSymbolData {
  /** Repository-relative file → its exported names that are framework bindings. */
  exports: Record<string, Record<string, Binding>>;
  /** TypeORM entity classes by key `file#Class`. */
  entities: Record<string, EntityInfo>;
  prismaModels: PrismaModel[];
  /** Bare specifiers used in the repository (workspace packages, tsconfig paths) that lead to files of `exports`. */
  specifiers: Record<string, string>;
  /**
   * True when the repository makes its Kysely clients with CamelCasePlugin: the code writes
   * `selectFrom('fitnessPlans')` and the database has `fitness_plans`.
   */
  kyselyCamelCase?: boolean;
}

/** The extensions ImportResolver tries, in its order (declaration files are never scanned). */
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

export class RepoSymbols {
  static readonly EMPTY = new RepoSymbols({ exports: {}, entities: {}, prismaModels: [], specifiers: {} });
  private digest: string | undefined;
  private drizzleByName: Map<string, TableName | null> | undefined;

  private readonly exportCount: number;

  constructor(readonly data: RepoSymbolData) {
    this.exportCount = Object.keys(data.exports).length;
  }

  /** Changes whenever anything in the table changes: part of the cache key of every file's facts. */
  get fingerprint(): string {
    return (this.digest ??= createHash('sha256').update(stableJson(this.data)).digest('hex').slice(0, 20));
  }

  hasExports(file: string | undefined): boolean {
    return file !== undefined && Object.hasOwn(this.data.exports, file);
  }

  /**
   * The file of the table an import leads to, without touching the disk (extraction must depend on
   * the file and this table alone): bare specifiers as the pre-pass resolved them, relative ones by
   * probing the table's files the way ImportResolver probes the disk.
   */
  fileOf(fromFile: string, specifier: string): string | undefined {
    // Most repositories export no framework binding at all: then no import leads to one.
    if (this.exportCount === 0) return undefined;
    if (!specifier.startsWith('.')) return Object.hasOwn(this.data.specifiers, specifier) ? this.data.specifiers[specifier] : undefined;
    const joined = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), specifier));
    const stem = joined.replace(/\.(c|m)?jsx?$/, '');
    const candidates = [joined, ...EXTENSIONS.map((extension) => stem + extension), ...EXTENSIONS.map((extension) => `${joined}/index${extension}`)];
    return candidates.find((candidate) => this.hasExports(candidate));
  }

  exportsOf(file: string): Record<string, Binding> | undefined {
    return Object.hasOwn(this.data.exports, file) ? this.data.exports[file] : undefined;
  }

  exportOf(file: string, name: string): Binding | undefined {
    const exports = this.exportsOf(file);
    return exports && Object.hasOwn(exports, name) ? exports[name] : undefined;
  }

  entity(key: string): EntityInfo | undefined {
    return Object.hasOwn(this.data.entities, key) ? this.data.entities[key] : undefined;
  }

  /** The key of the one entity class of that name (a relation or a query builder naming it by a string). */
  entityKeyNamed(className: string): string | undefined {
    const keys = Object.keys(this.data.entities).filter((key) => this.data.entities[key]!.className === className);
    return keys.length === 1 ? keys[0] : undefined;
  }

  /** The one Drizzle table the repository exports under this name, for `db.query.<name>` on a db of unknown schema. */
  drizzleTableNamed(name: string): TableName | undefined {
    if (!this.drizzleByName) {
      this.drizzleByName = new Map();
      for (const exports of Object.values(this.data.exports)) {
        for (const [exported, binding] of Object.entries(exports)) {
          if (binding.kind !== 'table') continue;
          const known = this.drizzleByName.get(exported);
          const same = known && known.schema === binding.table.schema && known.name === binding.table.name;
          this.drizzleByName.set(exported, known === undefined || same ? binding.table : null);
        }
      }
    }
    return this.drizzleByName.get(name) ?? undefined;
  }

  /**
   * The model behind `prisma.<property>` in a file: Prisma names the client property after the model
   * with a lower-case first letter. With several schemas declaring it, the one whose folder is nearest
   * the file wins; a tie between different tables is no answer.
   */
  prismaModel(property: string, fromFile: string): PrismaModel | undefined {
    const candidates = this.data.prismaModels.filter((model) => model.model.charAt(0).toLowerCase() + model.model.slice(1) === property);
    return nearest(candidates, fromFile);
  }

  /** The model a relation field of a model points to. */
  prismaRelated(model: PrismaModel, field: string): PrismaModel | undefined {
    const target = Object.hasOwn(model.relations, field) ? model.relations[field] : undefined;
    return target === undefined ? undefined : this.data.prismaModels.find((candidate) => candidate.folder === model.folder && candidate.model === target);
  }
}

function nearest(candidates: PrismaModel[], fromFile: string): PrismaModel | undefined {
  const dir = path.posix.dirname(fromFile).split('/');
  let best: PrismaModel[] = [];
  let bestShared = -1;
  for (const candidate of candidates) {
    const folder = candidate.folder === '' ? [] : candidate.folder.split('/');
    let shared = 0;
    while (shared < folder.length && folder[shared] === dir[shared]) shared++;
    if (shared > bestShared) [best, bestShared] = [[candidate], shared];
    else if (shared === bestShared) best.push(candidate);
  }
  const tables = new Set(best.map((model) => `${model.table.schema ?? ''}.${model.table.name}`));
  return tables.size === 1 ? best[0] : undefined;
}

/** JSON with object keys sorted, so equal tables hash equally. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
