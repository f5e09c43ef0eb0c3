/**
 * The repository pre-pass: builds the symbol table the per-file ORM pass reads. Only files that
 * import a framework, name a client conventionally or re-export something are parsed (a text test
 * decides); their exports are classified lazily, following imports and re-exports through the
 * ImportResolver, and only the framework bindings are kept. Prisma models come from .prisma files.
 */
import { lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ts } from 'ts-morph';
import type { ImportResolver } from '../resolve-imports.js';
import { MAX_FILE_BYTES } from '../run.js';
import { Classifier, type SymbolLookup } from './bindings.js';
import { readEntity } from './entities.js';
import { frameworkOfPackage } from './packages.js';
import { readPrismaModels } from './prisma-schema.js';
import { RepoSymbols, type EntityInfo } from './symbols.js';
import type { Binding } from './types.js';

export interface SymbolSources {
  /** Every TypeScript/JavaScript file of the repository: symbols come from the whole root even when a scan is narrowed. */
  files: string[];
  /** The repository's .prisma files. */
  prismaSchemas: string[];
  resolver: ImportResolver;
  /** A repository file's text, or undefined when it cannot be read (the scan reports that itself). */
  readText(file: string): string | undefined;
}

/** Words without which a file declares no framework binding (package names, PrismaClient, the knex convention). */
const FRAMEWORK_WORDS = ['knex', 'kysely', 'drizzle-orm', 'prisma', 'Prisma', 'typeorm'];
/** `export * from`, `export { … }`, `export default name;`: a file that may pass on another's bindings. */
const REEXPORT = /\bexport\s*(?:type\s+)?[*{]|\bexport\s+default\s+[\w$]+\s*;?\s*$/m;
/** Bare import specifiers (`from '@acme/db'`, `require('@acme/db')`, `import('@acme/db')`). */
const BARE_SPECIFIER = /(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"\s.][^'"\s]*)\1/g;

export function collectRepoSymbols(sources: SymbolSources): RepoSymbols {
  const collector = new Collector(sources);
  const bare = new Set<string>();
  for (const file of sources.files) {
    const text = sources.readText(file);
    if (text === undefined) continue;
    for (const match of text.matchAll(BARE_SPECIFIER)) bare.add(match[2]!);
    if (FRAMEWORK_WORDS.some((word) => text.includes(word)) || REEXPORT.test(text)) collector.addCandidate(file, text);
  }
  const exports: Record<string, Record<string, Binding>> = {};
  for (const file of collector.candidates()) {
    const found = collector.exportsOf(file);
    if (found && Object.keys(found).length > 0) exports[file] = found;
  }
  const specifiers: Record<string, string> = {};
  for (const specifier of [...bare].sort()) {
    if (frameworkOfPackage(specifier)) continue;
    const target = sources.resolver.resolve('', specifier);
    if (target !== undefined && Object.hasOwn(exports, target)) specifiers[specifier] = target;
  }
  const prismaFiles = sources.prismaSchemas.flatMap((file) => {
    const text = sources.readText(file);
    return text === undefined ? [] : [{ file, text }];
  });
  return new RepoSymbols({ exports, entities: collector.entities(), prismaModels: readPrismaModels(prismaFiles), specifiers });
}

/**
 * Reads files for the pre-pass: regular files only (a link is not followed; discovery never enters
 * linked folders), none over the scan's size limit. What it cannot read, the scan reports.
 */
export function repositoryReader(root: string): (file: string) => string | undefined {
  return (file) => {
    try {
      const absolute = path.join(root, file);
      const stats = lstatSync(absolute);
      return stats.isFile() && stats.size <= MAX_FILE_BYTES ? readFileSync(absolute, 'utf8') : undefined;
    } catch {
      return undefined;
    }
  };
}

interface Module {
  source: ts.SourceFile;
  classifier: Classifier;
}

class Collector implements SymbolLookup {
  private readonly texts = new Map<string, string>();
  private readonly modules = new Map<string, Module>();
  private readonly exportMemo = new Map<string, Record<string, Binding>>();
  private readonly pending = new Set<string>();
  /** Set when a read met a file still being read. */
  private cycle = false;

  constructor(private readonly sources: SymbolSources) {}

  addCandidate(file: string, text: string): void {
    this.texts.set(file, text);
  }

  candidates(): string[] {
    return [...this.texts.keys()].sort();
  }

  exportOf(file: string, name: string): Binding | undefined {
    const exports = this.exportsOf(file);
    return exports && Object.hasOwn(exports, name) ? exports[name] : undefined;
  }

  /**
   * A file's exported framework bindings, re-exports followed. Within a cycle of re-exports the file
   * being read contributes nothing, and what was read meanwhile is not kept: it is read again later.
   */
  exportsOf(file: string): Record<string, Binding> | undefined {
    const memo = this.exportMemo.get(file);
    if (memo) return memo;
    const module = this.module(file);
    if (!module) return undefined;
    if (this.pending.has(file)) {
      this.cycle = true;
      return undefined;
    }
    const outerCycle = this.cycle;
    this.cycle = false;
    this.pending.add(file);
    const found: Record<string, Binding> = {};
    const put = (name: string, binding: Binding | undefined) => {
      if (binding && !Object.hasOwn(found, name)) found[name] = binding;
    };
    for (const statement of module.source.statements) this.exportsOfStatement(file, module, statement, put);
    this.pending.delete(file);
    if (!this.cycle) this.exportMemo.set(file, found);
    this.cycle ||= outerCycle;
    return found;
  }

  /** Every `@Entity` class of the candidate files, exported or not, by key `file#Class`. */
  entities(): Record<string, EntityInfo> {
    const entities: Record<string, EntityInfo> = {};
    for (const file of this.candidates()) {
      const module = this.module(file);
      if (!module || !/\bEntity\b/.test(this.texts.get(file)!)) continue;
      for (const statement of module.source.statements) {
        if (ts.isClassDeclaration(statement) && statement.name && module.classifier.isEntityClass(statement)) {
          entities[`${file}#${statement.name.text}`] = readEntity(statement as ts.ClassDeclaration & { name: ts.Identifier }, module.classifier);
        }
      }
    }
    return entities;
  }

  private exportsOfStatement(file: string, module: Module, statement: ts.Statement, put: (name: string, binding: Binding | undefined) => void): void {
    const { classifier } = module;
    const exported = ts.getModifiers(statement as ts.HasModifiers)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false;
    const isDefault = ts.getModifiers(statement as ts.HasModifiers)?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword) ?? false;
    if (ts.isVariableStatement(statement) && exported) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) put(declaration.name.text, classifier.ofDeclaration(declaration));
      }
    } else if (ts.isClassDeclaration(statement) && exported) {
      const binding = classifier.ofDeclaration(statement);
      if (isDefault) put('default', binding);
      else if (statement.name) put(statement.name.text, binding);
    } else if (ts.isExportAssignment(statement) && !statement.isExportEquals) {
      put('default', classifier.classify(statement.expression));
    } else if (ts.isExportDeclaration(statement)) {
      const target = statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier) ? this.sources.resolver.resolve(file, statement.moduleSpecifier.text) : undefined;
      const clause = statement.exportClause;
      if (!clause) {
        // export * from './x': everything but its default.
        for (const [name, binding] of Object.entries((target && this.exportsOf(target)) ?? {})) if (name !== 'default') put(name, binding);
      } else if (ts.isNamespaceExport(clause)) {
        if (target) put(clause.name.text, { kind: 'module', file: target });
      } else {
        for (const element of clause.elements) {
          const local = element.propertyName ?? element.name;
          if (statement.moduleSpecifier) put(element.name.text, target ? this.exportOf(target, local.text) : undefined);
          else if (ts.isIdentifier(local)) put(element.name.text, classifier.classify(local));
        }
      }
    }
  }

  private module(file: string): Module | undefined {
    const known = this.modules.get(file);
    if (known) return known;
    const text = this.texts.get(file);
    if (text === undefined) return undefined;
    const kind = file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
    const classifier = new Classifier({
      file,
      source,
      importTarget: (specifier) => {
        const framework = frameworkOfPackage(specifier);
        if (framework) return { framework };
        const resolved = this.sources.resolver.resolve(file, specifier);
        return resolved === undefined ? undefined : { file: resolved };
      },
      lookup: this,
      symbols: RepoSymbols.EMPTY,
    });
    const module = { source, classifier };
    this.modules.set(file, module);
    return module;
  }
}
