/**
 * The parsing half of the repository pre-pass (see collect.ts): the candidate files are parsed and
 * their exports classified lazily, following imports and re-exports through the ImportResolver;
 * only the framework bindings are kept. Loaded only when the pre-pass cannot be served from the cache.
 */
import type { ts } from 'ts-morph';
import { typescript } from '../typescript-compiler.js';
import type { ImportResolver } from '../resolve-imports.js';
import { Classifier, type SymbolLookup } from './bindings.js';
import { readEntity } from './entities.js';
import { frameworkOfPackage } from './packages.js';
import { RepoSymbols, type EntityInfo } from './symbols.js';
import type { Binding } from './types.js';

/** The framework bindings each candidate file exports, and the TypeORM entity classes they declare. */
export function classifyCandidates(
  texts: ReadonlyMap<string, string>,
  resolver: ImportResolver,
): { exports: Record<string, Record<string, Binding>>; entities: Record<string, EntityInfo> } {
  const collector = new Collector(texts, resolver);
  const exports: Record<string, Record<string, Binding>> = {};
  for (const file of collector.candidates()) {
    const found = collector.exportsOf(file);
    if (found && Object.keys(found).length > 0) exports[file] = found;
  }
  return { exports, entities: collector.entities() };
}

interface Module {
  source: ts.SourceFile;
  classifier: Classifier;
}

class Collector implements SymbolLookup {
  private readonly modules = new Map<string, Module>();
  private readonly exportMemo = new Map<string, Record<string, Binding>>();
  private readonly pending = new Set<string>();
  /** Set when a read met a file still being read. */
  private cycle = false;

  constructor(
    private readonly texts: ReadonlyMap<string, string>,
    private readonly resolver: ImportResolver,
  ) {}

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
        if (typescript.isClassDeclaration(statement) && statement.name && module.classifier.isEntityClass(statement)) {
          entities[`${file}#${statement.name.text}`] = readEntity(statement as ts.ClassDeclaration & { name: ts.Identifier }, module.classifier);
        }
      }
    }
    return entities;
  }

  private exportsOfStatement(file: string, module: Module, statement: ts.Statement, put: (name: string, binding: Binding | undefined) => void): void {
    const { classifier } = module;
    const exported = typescript.getModifiers(statement as ts.HasModifiers)?.some((m) => m.kind === typescript.SyntaxKind.ExportKeyword) ?? false;
    const isDefault = typescript.getModifiers(statement as ts.HasModifiers)?.some((m) => m.kind === typescript.SyntaxKind.DefaultKeyword) ?? false;
    if (typescript.isVariableStatement(statement) && exported) {
      for (const declaration of statement.declarationList.declarations) {
        if (typescript.isIdentifier(declaration.name)) put(declaration.name.text, classifier.ofDeclaration(declaration));
      }
    } else if ((typescript.isTypeAliasDeclaration(statement) || typescript.isInterfaceDeclaration(statement) || typescript.isFunctionDeclaration(statement)) && exported) {
      const binding = classifier.ofDeclaration(statement);
      if (isDefault) put('default', binding);
      else if (statement.name) put(statement.name.text, binding);
    } else if (typescript.isClassDeclaration(statement) && exported) {
      const binding = classifier.ofDeclaration(statement);
      if (isDefault) put('default', binding);
      else if (statement.name) put(statement.name.text, binding);
    } else if (typescript.isExportAssignment(statement) && !statement.isExportEquals) {
      put('default', classifier.classify(statement.expression));
    } else if (typescript.isExportDeclaration(statement)) {
      const target = statement.moduleSpecifier && typescript.isStringLiteral(statement.moduleSpecifier) ? this.resolver.resolve(file, statement.moduleSpecifier.text) : undefined;
      const clause = statement.exportClause;
      if (!clause) {
        // export * from './x': everything but its default.
        for (const [name, binding] of Object.entries((target && this.exportsOf(target)) ?? {})) if (name !== 'default') put(name, binding);
      } else if (typescript.isNamespaceExport(clause)) {
        if (target) put(clause.name.text, { kind: 'module', file: target });
      } else {
        for (const element of clause.elements) {
          const local = element.propertyName ?? element.name;
          if (statement.moduleSpecifier) put(element.name.text, target ? this.exportOf(target, local.text) : undefined);
          else if (typescript.isIdentifier(local)) put(element.name.text, classifier.classify(local));
        }
      }
    }
  }

  private module(file: string): Module | undefined {
    const known = this.modules.get(file);
    if (known) return known;
    const text = this.texts.get(file);
    if (text === undefined) return undefined;
    const kind = file.endsWith('x') ? typescript.ScriptKind.TSX : typescript.ScriptKind.TS;
    const source = typescript.createSourceFile(file, text, typescript.ScriptTarget.Latest, true, kind);
    const classifier = new Classifier({
      file,
      source,
      importTarget: (specifier) => {
        const framework = frameworkOfPackage(specifier);
        if (framework) return { framework };
        const resolved = this.resolver.resolve(file, specifier);
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
