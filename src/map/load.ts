/**
 * Loads ownership-map.yaml: YAML → zod → cross-reference checks. Every problem becomes a located
 * `MapIssue`; all of them are collected and thrown together as one `MapError`.
 */
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, parseDocument, visit } from 'yaml';
import type { Alias, Document, Node } from 'yaml';
import type { z } from 'zod';
import { loadedMapOf, MapError, positionKey, readMapText, type LoadedMap, type MapIssue, type MapPath, type MapPositions, type SourcePosition } from './map-file.js';
import { OwnershipMapSchema, type OwnershipMap } from './schema.js';
import { parseIdentifier, parseTableName, tableKey } from './names.js';

/** yaml's own default, stated: beyond it aliases expand like a "billion laughs" bomb. */
const MAX_ALIAS_COUNT = 100;
/**
 * The most values a map may hold, aliases expanded: far beyond a hand-written map, and refused
 * before the values are built (a 105 kB map of 99 aliases to one list of 20,000 globs took 1.8 GB).
 */
export const MAX_MAP_VALUES = 50_000;
/**
 * The most YAML tokens a map may hold: counted (cheaply, by the lexer) before the parser builds a
 * document of them, which took 1.9 GB and a minute for a 4 MB list of one-letter items. A token
 * takes at least a character, so a shorter text is not counted.
 */
export const MAX_MAP_TOKENS = 400_000;
/** The most globs a map may hold: each file is matched against its domains' folder globs. */
export const MAX_MAP_GLOBS = 10_000;

/** The map in `file`; inside `root`, a link is not followed. */
export function loadOwnershipMap(file: string, root?: string): LoadedMap {
  return parseOwnershipMap(file, readMapText(file, root));
}

/** The map in `text`, read from `file`: parsed, validated and located, or a MapError with every issue. */
export function parseOwnershipMap(file: string, text: string): LoadedMap {
  if (text.length > MAX_MAP_TOKENS && tokenCountPasses(text, MAX_MAP_TOKENS)) {
    throw new MapError(file, [{ line: 1, column: 1, path: '', message: `expected at most ${MAX_MAP_TOKENS.toLocaleString('en-US')} YAML tokens: the map holds more` }]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const fail: (issues: MapIssue[]) => never = (issues) => {
    throw new MapError(file, issues.sort((a, b) => a.line - b.line || a.column - b.column));
  };

  if (doc.errors.length > 0) {
    fail(doc.errors.map((e) => ({ ...position(e.pos[0]), path: '', message: yamlErrorMessage(doc, e.code, e.pos[0], e.message) })));
  }
  if (!isMap(doc.contents)) {
    const found = doc.contents === null ? 'an empty document' : isSeq(doc.contents) ? 'a list' : 'a single value';
    fail([{ ...position(doc.contents?.range?.[0] ?? 0), path: '', message: `expected a mapping (key: value lines) at the root, found ${found}` }]);
  }

  // Before toJS, which would build every expanded value, and would warn on standard error about keys it stringifies.
  const shape = shapeIssues(doc, position);
  if (shape.length > 0) fail(shape);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    const unresolved = unresolvedAlias(doc);
    fail([
      unresolved
        ? { ...position(unresolved.range?.[0] ?? 0), path: '', message: `alias *${unresolved.source} comes before its anchor: expected &${unresolved.source} to be set earlier in the file` }
        : { ...position(aliasOffset(doc)), path: '', message: `expected aliases that expand to at most ${MAX_ALIAS_COUNT} nodes: ${err.message}` },
    ]);
  }

  // zod drops a `__proto__` key silently (a domain of that name would vanish): said here instead.
  const reserved: MapIssue[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === '__proto__') {
        reserved.push({ ...position(pair.key.range?.[0] ?? 0), path: '', message: 'key "__proto__" is reserved: expected another name' });
      }
    },
  });
  if (reserved.length > 0) fail(reserved);

  const nodeAt = (path: MapPath, key = false) => nodePosition(doc, path, key) ?? 0;
  const issueAt = (path: MapPath, message: string, key = false): MapIssue => ({
    ...position(nodeAt(path, key)),
    path: formatPath(path),
    message,
  });

  const parsed = OwnershipMapSchema.safeParse(data, { error: zodMessage });
  if (!parsed.success) fail(parsed.error.issues.flatMap((i) => zodIssues(i, issueAt)));
  const map = parsed.data;

  const globs = globCount(map);
  if (globs > MAX_MAP_GLOBS) fail([issueAt([], `expected at most ${MAX_MAP_GLOBS.toLocaleString('en-US')} globs in the map: it holds ${globs.toLocaleString('en-US')}`)]);
  const semantic = crossCheck(map, issueAt);
  if (semantic.length > 0) fail(semantic);

  return loadedMapOf(file, text, map, valuePositions(doc, position));
}

type IssueAt = (path: MapPath, message: string, key?: boolean) => MapIssue;

/** Every glob of the map: folders, ignores, exception tables. */
function globCount(map: OwnershipMap): number {
  let count = map.readModelFolders.length + map.ownerHeaderFolders.length + map.retiredImports.length + map.ignore.length;
  for (const domain of Object.values(map.domains)) count += domain.folders.length;
  for (const exception of map.exceptions) count += exception.folders.length + exception.tables.length;
  for (const rule of map.restrictedTables) count += rule.allow.folders.length;
  return count;
}

/** Checks zod cannot express: references between sections and claims that must be unique. */
function crossCheck(map: OwnershipMap, issueAt: IssueAt): MapIssue[] {
  const issues: MapIssue[] = [];
  const domainIds = Object.keys(map.domains);
  const checkDomain = (id: string, path: MapPath) => {
    if (!Object.hasOwn(map.domains, id)) issues.push(issueAt(path, `unknown domain "${id}": expected one of ${domainIds.join(', ')}`));
  };
  // First claimant of a table, schema, prefix or id, to name it when a second one appears.
  const claim = (claims: Map<string, string>, key: string, owner: string, path: MapPath, what: string) => {
    const first = claims.get(key);
    if (first === undefined) claims.set(key, owner);
    else issues.push(issueAt(path, `${what} is already claimed by ${first}: expected it in one place only`));
  };

  const prefixes = new Map<string, string>();
  const schemas = new Map<string, string>();
  for (const [id, domain] of Object.entries(map.domains)) {
    domain.prefixes.forEach((p, i) => claim(prefixes, p, `domain ${id}`, ['domains', id, 'prefixes', i], `prefix "${p}"`));
    domain.schemas.forEach((s, i) => claim(schemas, parseIdentifier(s), `domain ${id}`, ['domains', id, 'schemas', i], `schema "${s}"`));
  }

  const familyIds = new Map<string, string>();
  const tables = new Map<string, string>();
  map.families.forEach((family, f) => {
    const at = (...rest: (string | number)[]) => ['families', f, ...rest];
    claim(familyIds, family.id, `families[${f}]`, at('id'), `family id "${family.id}"`);
    checkDomain(family.targetOwner, at('targetOwner'));
    family.readers.forEach((r, i) => checkDomain(r, at('readers', i)));
    family.tables.forEach((t, i) => claim(tables, tableKey(parseTableName(t)), `family ${family.id}`, at('tables', i), `table "${t}"`));
    family.schemas.forEach((s, i) => claim(schemas, parseIdentifier(s), `family ${family.id}`, at('schemas', i), `schema "${s}"`));
  });

  map.restrictedTables.forEach((rule, r) => {
    const at = (...rest: (string | number)[]) => ['restrictedTables', r, ...rest];
    if (rule.tables.length === 0 && rule.families.length === 0) {
      issues.push(issueAt(at(), 'expected tables or families: the rule covers no table'));
    }
    rule.families.forEach((id, i) => {
      if (!familyIds.has(id)) issues.push(issueAt(at('families', i), `unknown family "${id}": expected the id of a family in this map`));
    });
    rule.allow.domains.forEach((d, i) => checkDomain(d, at('allow', 'domains', i)));
  });

  issues.push(...dependencyIssues(map, checkDomain, issueAt));
  if (map.tenancy) {
    const { scoped } = map.tenancy;
    if (scoped.families.length + scoped.schemas.length + scoped.tables.length === 0) {
      issues.push(issueAt(['tenancy', 'scoped'], 'expected families, schemas or tables: tenancy scopes no table'));
    }
    scoped.families.forEach((id, i) => {
      if (!familyIds.has(id)) issues.push(issueAt(['tenancy', 'scoped', 'families', i], `unknown family "${id}": expected the id of a family in this map`));
    });
  }
  map.sensitiveColumns.forEach((entry, s) => {
    if (entry.owner !== undefined) checkDomain(entry.owner, ['sensitiveColumns', s, 'owner']);
  });

  const exceptionIds = new Map<string, string>();
  map.exceptions.forEach((exception, e) => {
    const at = (...rest: (string | number)[]) => ['exceptions', e, ...rest];
    claim(exceptionIds, exception.id, `exceptions[${e}]`, at('id'), `exception id "${exception.id}"`);
    exception.domains.forEach((d, i) => checkDomain(d, at('domains', i)));
    if (exception.expires !== undefined && !isRealDate(exception.expires)) {
      issues.push(issueAt(at('expires'), `"${exception.expires}" is not a calendar date: expected a real date YYYY-MM-DD`));
    }
  });
  return issues;
}

/** The dependency chain and `dependsOn`: known modules, each in one place, and no cycle. */
function dependencyIssues(map: OwnershipMap, checkDomain: (id: string, path: MapPath) => void, issueAt: IssueAt): MapIssue[] {
  const issues: MapIssue[] = [];
  // Who each module depends on: the modules before it in the chain, and its dependsOn.
  const providers = new Map<string, string[]>();
  const depend = (from: string, to: string) => providers.set(from, [...(providers.get(from) ?? []), to]);
  const places = new Map<string, string>();
  /** False for a module placed before: it has no second place, and no second set of dependencies. */
  const place = (id: string, path: MapPath): boolean => {
    checkDomain(id, path);
    const first = places.get(id);
    if (first === undefined) places.set(id, formatPath(path));
    else issues.push(issueAt(path, `module "${id}" is already placed at ${first}: expected each module once in the dependency chain`));
    return first === undefined;
  };
  const chain = map.dependencyChain;
  chain?.order.forEach((id, j) => {
    if (place(id, ['dependencyChain', 'order', j])) chain.order.slice(0, j).forEach((earlier) => depend(id, earlier));
  });
  chain?.crossCutting.forEach((id, i) => place(id, ['dependencyChain', 'crossCutting', i]));
  const declared: Array<{ from: string; to: string; path: MapPath }> = [];
  for (const [id, domain] of Object.entries(map.domains)) {
    domain.dependsOn?.forEach((to, i) => {
      checkDomain(to, ['domains', id, 'dependsOn', i]);
      depend(id, to);
      declared.push({ from: id, to, path: ['domains', id, 'dependsOn', i] });
    });
  }
  // The chain alone has no cycle: every cycle runs through a dependsOn entry, reported once per set of modules.
  const reported = new Set<string>();
  for (const { from, to, path } of declared) {
    const back = shortestPath(providers, to, from);
    const key = back && [...new Set(back)].sort().join('\0');
    if (!back || !key || reported.has(key)) continue;
    reported.add(key);
    const cycle = [from, ...back].join(' → ');
    issues.push(issueAt(path, `dependency cycle ${cycle}: expected dependencies to flow one way, each module depending only on modules before it`));
  }
  return issues;
}

/** The modules from `start` to `goal` along dependencies, both included; undefined when `goal` is out of reach. */
function shortestPath(providers: Map<string, string[]>, start: string, goal: string): string[] | undefined {
  const previous = new Map<string, string | undefined>([[start, undefined]]);
  for (const queue = [start]; queue.length > 0; ) {
    const id = queue.shift()!;
    if (id === goal) {
      const path = [id];
      for (let at = previous.get(id); at !== undefined; at = previous.get(at)) path.unshift(at);
      return path;
    }
    for (const next of providers.get(id) ?? []) {
      if (!previous.has(next)) {
        previous.set(next, id);
        queue.push(next);
      }
    }
  }
  return undefined;
}

function isRealDate(ymd: string): boolean {
  const date = new Date(`${ymd}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(ymd);
}

/** Messages for zod's built-in checks, worded like the schema's own: what was expected, and what was found. */
function zodMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${article(TYPE_WORDS[issue.expected] ?? issue.expected)}, found ${describe(issue.input)}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `expected ${JSON.stringify(issue.values[0])}, found ${describe(issue.input)}`
        : `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, found ${describe(issue.input)}`;
    case 'too_small':
      return `expected at least ${issue.minimum} ${issue.origin === 'string' ? 'character' : 'item'}${Number(issue.minimum) === 1 ? '' : 's'}`;
    case 'unrecognized_keys': {
      const shape = (issue.inst as { shape?: Record<string, unknown> } | undefined)?.shape;
      return shape ? `expected one of ${Object.keys(shape).join(', ')}` : undefined;
    }
    default:
      return undefined;
  }
}

/** One located issue per zod issue; an unknown key or a bad record key points at the key itself. */
function zodIssues(issue: z.core.$ZodIssue, issueAt: IssueAt): MapIssue[] {
  const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => issueAt([...path, k], `unknown key "${k}": ${issue.message}`, true));
    case 'invalid_key':
      return [issueAt(path, `invalid key "${String(path.at(-1))}": ${issue.issues.map((i) => i.message).join('; ')}`, true)];
    default:
      return [issueAt(path, issue.message)];
  }
}

function yamlErrorMessage(doc: Document, code: string, offset: number, message: string): string {
  if (code !== 'DUPLICATE_KEY') return `invalid YAML: ${message}`;
  let key = '';
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) key = ` "${String(pair.key.value)}"`;
    },
  });
  return `duplicate key${key}: expected each key once in a mapping`;
}

/**
 * What the document's shape rules out before its values are built: keys that are lists or
 * mappings (JavaScript objects take text keys only), and more than MAX_MAP_VALUES values once
 * aliases are expanded.
 */
function shapeIssues(doc: Document, position: (offset: number) => SourcePosition): MapIssue[] {
  const issues: MapIssue[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (pair.key !== null && !isScalar(pair.key)) {
        const found = isMap(pair.key) ? 'a mapping' : isSeq(pair.key) ? 'a list' : 'an alias';
        issues.push({ ...position((pair.key as Node).range?.[0] ?? 0), path: '', message: `expected a plain key (a name), found ${found}` });
      }
    },
  });
  if (issues.length > 0) return issues;
  const sizes = new Map<unknown, number>();
  const size = (node: unknown): number => {
    if (isAlias(node)) return size(node.resolve(doc));
    if (!isCollection(node)) return node === null || node === undefined ? 0 : 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    sizes.set(node, 0); // an alias of its own ancestor counts nothing more
    let total = 1;
    for (const item of node.items) {
      total += isPair(item) ? size(item.key) + size(item.value) : size(item);
      if (total > MAX_MAP_VALUES) break;
    }
    sizes.set(node, total);
    return total;
  };
  if (size(doc.contents) > MAX_MAP_VALUES) {
    issues.push({ ...position(aliasOffset(doc)), path: '', message: `expected at most ${MAX_MAP_VALUES.toLocaleString('en-US')} values, aliases expanded: the map holds more` });
  }
  return issues;
}

/** True when the text has more than `limit` YAML tokens; stops counting there. */
function tokenCountPasses(text: string, limit: number): boolean {
  let count = 0;
  for (const _ of new Lexer().lex(text)) if (++count > limit) return true;
  return false;
}

/** The first alias with no anchor before it in the file. */
function unresolvedAlias(doc: Document): Alias | undefined {
  let found: Alias | undefined;
  visit(doc, {
    Alias(_, alias) {
      if (alias.resolve(doc) !== undefined) return undefined;
      found = alias;
      return visit.BREAK;
    },
  });
  return found;
}

/** Where an alias bomb starts: the first alias of a node that itself holds aliases, else the first alias. */
function aliasOffset(doc: Document): number {
  let first: number | undefined;
  let nested: number | undefined;
  visit(doc, {
    Alias(_, alias) {
      first ??= alias.range?.[0];
      const source = alias.resolve(doc);
      let holdsAliases = false;
      if (source && isCollection(source)) visit(source, { Alias: () => ((holdsAliases = true), visit.BREAK) });
      if (holdsAliases) {
        nested = alias.range?.[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return nested ?? first ?? 0;
}

/** Start offset of the node at `path` (of its key when `key`), or of the deepest ancestor found. */
function nodePosition(doc: Document, path: MapPath, key: boolean): number | undefined {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0];
  for (const [depth, segment] of path.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    let keyNode: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(segment));
      keyNode = pair?.key;
      next = pair?.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment];
    }
    const target = (key && depth === path.length - 1 && keyNode) || next;
    if (!target) break;
    offset = (target as Node).range?.[0] ?? offset;
    node = next;
  }
  return offset;
}

/**
 * Where every value of the document starts, by path, as nodePosition finds it (the first of equal
 * keys, through aliases): the table locate reads, which a snapshot keeps without the document.
 */
function valuePositions(doc: Document, position: (offset: number) => SourcePosition): MapPositions {
  const positions: Record<string, readonly [number, number]> = {};
  const walk = (node: unknown, path: (string | number)[], offset: number, ancestors: unknown[]): void => {
    const key = positionKey(path);
    if (Object.hasOwn(positions, key)) return;
    const { line, column } = position(offset);
    positions[key] = [line, column];
    const collection = isAlias(node) ? node.resolve(doc) : node;
    // An alias of its own ancestor would lead round in circles.
    if (ancestors.includes(collection)) return;
    const within = [...ancestors, collection];
    if (isMap(collection)) {
      for (const pair of collection.items) {
        const child = pair.value as Node | null;
        const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (child) walk(child, [...path, name], child.range?.[0] ?? offset, within);
      }
    } else if (isSeq(collection)) {
      collection.items.forEach((item, index) => {
        if (item) walk(item, [...path, index], (item as Node).range?.[0] ?? offset, within);
      });
    }
  };
  walk(doc.contents, [], (doc.contents as Node | null)?.range?.[0] ?? 0, []);
  return positions;
}

function formatPath(path: MapPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

// zod's type names, as a YAML author knows them.
const TYPE_WORDS: Record<string, string> = { object: 'mapping', record: 'mapping', array: 'list' };

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (the key is missing)';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${article(typeof value)} (${JSON.stringify(value)})`;
}
