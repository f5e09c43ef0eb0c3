/**
 * Reads the models of Prisma schema files: each `model` (and `view`) block's table — `@@map("t")`, else
 * the model name as written — its `@@schema("s")`, and its relation fields. Lenient: what it does not
 * understand it skips.
 */
import path from 'node:path';
import type { PrismaModel } from './symbols.js';

interface Block {
  model: string;
  body: string;
}

/** The models of the .prisma files of a repository; files of one folder make one schema. */
export function readPrismaModels(files: Array<{ file: string; text: string }>): PrismaModel[] {
  const byFolder = new Map<string, Block[]>();
  for (const { file, text } of files) {
    const folder = path.posix.dirname(file) === '.' ? '' : path.posix.dirname(file);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), ...blocksOf(stripComments(text))]);
  }
  const models: PrismaModel[] = [];
  for (const [folder, blocks] of byFolder) {
    const names = new Set(blocks.map((block) => block.model));
    for (const { model, body } of blocks) {
      const mapped = attribute(body, 'map');
      const schema = attribute(body, 'schema');
      const relations: Record<string, string> = {};
      for (const line of body.split('\n')) {
        const field = /^\s*(\w+)\s+(\w+)(\[\])?\??(\s|$)/.exec(line);
        if (field && names.has(field[2]!)) relations[field[1]!] = field[2]!;
      }
      const name = mapped ?? model;
      models.push({ folder, model, table: schema === undefined ? { name } : { schema, name }, relations });
    }
  }
  return models;
}

function blocksOf(text: string): Block[] {
  const blocks: Block[] = [];
  const header = /^[ \t]*(?:model|view)[ \t]+(\w+)[ \t]*\{/gm;
  for (let match = header.exec(text); match; match = header.exec(text)) {
    const start = match.index + match[0].length;
    const end = closingBrace(text, start);
    blocks.push({ model: match[1]!, body: text.slice(start, end) });
    header.lastIndex = end;
  }
  return blocks;
}

/** The offset of the `}` that closes a block opened just before `start`, skipping strings. */
function closingBrace(text: string, start: number): number {
  let depth = 1;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return text.length;
}

/** `@@map("x")` / `@@map(name: "x")` / `@@schema("x")`: the string argument. */
function attribute(body: string, name: string): string | undefined {
  const match = new RegExp(`@@${name}\\(\\s*(?:name\\s*:\\s*)?"((?:[^"\\\\]|\\\\.)*)"`).exec(body);
  return match ? match[1]!.replace(/\\(.)/g, '$1') : undefined;
}

/** Drops `//` comments (and `///` doc comments) outside strings. */
function stripComments(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      let inString = false;
      for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (inString) {
          if (c === '\\') i++;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '/' && line[i + 1] === '/') return line.slice(0, i);
      }
      return line;
    })
    .join('\n');
}
