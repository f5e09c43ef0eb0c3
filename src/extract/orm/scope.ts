/**
 * Lexical name lookup without a type checker: an identifier finds the declaration of the innermost
 * scope around it that declares its name. Each scope's names are collected once, on first use, so
 * a file costs in proportion to the scopes its lookups cross rather than to its size. A `var` is
 * found in the block that declares it, not hoisted to its function.
 */
import type { ts } from 'ts-morph';
import { typescript } from '../typescript-compiler.js';

export class Declarations {
  private readonly scopes = new Map<ts.Node, Map<string, ts.Node>>();
  private static readonly NONE = new Map<string, ts.Node>();

  /** The declaration an identifier refers to, or undefined for a global or a name declared nowhere in the file. */
  of(identifier: ts.Identifier): ts.Node | undefined {
    for (let scope = identifier.parent; scope; scope = scope.parent) {
      const declaration = this.namesOf(scope)?.get(identifier.text);
      if (declaration) return declaration;
    }
    return undefined;
  }

  /** The names a node declares for the code inside it; undefined when it is no scope. */
  private namesOf(scope: ts.Node): Map<string, ts.Node> | undefined {
    if (!SCOPE_KINDS.has(scope.kind) && !typescript.isFunctionLike(scope)) return undefined;
    let names = this.scopes.get(scope);
    if (names) return names;
    names = new Map();
    if (typescript.isSourceFile(scope) || typescript.isBlock(scope) || typescript.isModuleBlock(scope)) {
      for (const statement of scope.statements) this.addStatement(names, statement);
    } else if (typescript.isCaseBlock(scope)) {
      for (const clause of scope.clauses) for (const statement of clause.statements) this.addStatement(names, statement);
    } else if (typescript.isTypeAliasDeclaration(scope) || typescript.isInterfaceDeclaration(scope) || typescript.isClassDeclaration(scope)) {
      for (const parameter of scope.typeParameters ?? []) add(names, parameter.name, parameter);
    } else if (typescript.isFunctionLike(scope)) {
      for (const parameter of scope.typeParameters ?? []) add(names, parameter.name, parameter);
      for (const parameter of scope.parameters) add(names, parameter.name, parameter);
      if ((typescript.isFunctionExpression(scope) || typescript.isClassExpression(scope)) && scope.name) add(names, scope.name, scope);
    } else if ((typescript.isForStatement(scope) || typescript.isForInStatement(scope) || typescript.isForOfStatement(scope)) && scope.initializer && typescript.isVariableDeclarationList(scope.initializer)) {
      for (const declaration of scope.initializer.declarations) add(names, declaration.name, declaration);
    } else if (typescript.isCatchClause(scope) && scope.variableDeclaration) {
      add(names, scope.variableDeclaration.name, scope.variableDeclaration);
    } else if (typescript.isClassExpression(scope) && scope.name) {
      add(names, scope.name, scope);
    }
    if (names.size === 0) names = Declarations.NONE;
    this.scopes.set(scope, names);
    return names;
  }

  private addStatement(names: Map<string, ts.Node>, statement: ts.Statement): void {
    if (typescript.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) add(names, declaration.name, declaration);
    } else if (
      (typescript.isFunctionDeclaration(statement) || typescript.isClassDeclaration(statement) || typescript.isTypeAliasDeclaration(statement) || typescript.isInterfaceDeclaration(statement)) &&
      statement.name
    ) {
      add(names, statement.name, statement);
    } else if (typescript.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      if (clause.name) add(names, clause.name, clause);
      const bindings = clause.namedBindings;
      if (bindings && typescript.isNamespaceImport(bindings)) add(names, bindings.name, bindings);
      else if (bindings) for (const element of bindings.elements) add(names, element.name, element);
    } else if (typescript.isImportEqualsDeclaration(statement)) {
      add(names, statement.name, statement);
    }
  }
}

const SCOPE_KINDS = new Set([
  typescript.SyntaxKind.SourceFile,
  typescript.SyntaxKind.Block,
  typescript.SyntaxKind.ModuleBlock,
  typescript.SyntaxKind.CaseBlock,
  typescript.SyntaxKind.ForStatement,
  typescript.SyntaxKind.ForInStatement,
  typescript.SyntaxKind.ForOfStatement,
  typescript.SyntaxKind.CatchClause,
  typescript.SyntaxKind.ClassExpression,
  // Scopes of their type parameters.
  typescript.SyntaxKind.TypeAliasDeclaration,
  typescript.SyntaxKind.InterfaceDeclaration,
  typescript.SyntaxKind.ClassDeclaration,
]);

/** Adds a declared name, or each name a destructuring pattern declares (the first declaration wins). */
function add(names: Map<string, ts.Node>, name: ts.BindingName, declaration: ts.Node): void {
  if (typescript.isIdentifier(name)) {
    if (!names.has(name.text)) names.set(name.text, declaration);
    return;
  }
  for (const element of name.elements) {
    if (typescript.isBindingElement(element)) add(names, element.name, element);
  }
}

/** The class whose member `this` refers to at a node: crossing arrow functions, stopping at other functions. */
export function thisClassOf(node: ts.Node): ts.ClassLikeDeclaration | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (typescript.isClassLike(current)) return current;
    if (typescript.isFunctionDeclaration(current) || typescript.isFunctionExpression(current)) return undefined;
  }
  return undefined;
}

/** The function whose `this` a node sees: the nearest enclosing function that is not an arrow. */
export function thisFunctionOf(node: ts.Node): ts.Node | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (typescript.isFunctionLike(current) && !typescript.isArrowFunction(current)) return current;
  }
  return undefined;
}

/** A class's property, getter, method or constructor parameter property named `name`. */
export function memberOf(
  cls: ts.ClassLikeDeclaration,
  name: string,
): ts.PropertyDeclaration | ts.ParameterDeclaration | ts.GetAccessorDeclaration | ts.MethodDeclaration | undefined {
  for (const member of cls.members) {
    if (
      (typescript.isPropertyDeclaration(member) || typescript.isGetAccessorDeclaration(member) || typescript.isMethodDeclaration(member)) &&
      typescript.isIdentifier(member.name) &&
      member.name.text === name
    ) {
      return member;
    }
    if (typescript.isConstructorDeclaration(member)) {
      for (const parameter of member.parameters) {
        if (typescript.isIdentifier(parameter.name) && parameter.name.text === name && typescript.getModifiers(parameter)?.length) return parameter;
      }
    }
  }
  return undefined;
}
