import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../src/cli/main.js';
import { REPO_ROOT, ROOT_MAP } from '../helpers.js';

const COMMITTED = path.join(REPO_ROOT, 'ownership-map.schema.json');

async function printedSchema(): Promise<string> {
  let stdout = '';
  const exitCode = await main(['map', 'schema'], { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true } });
  expect(exitCode).toBe(0);
  return stdout;
}

function validator() {
  return new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(COMMITTED, 'utf8')));
}

describe('schema-guard map schema', () => {
  it('prints exactly the committed ownership-map.schema.json (regenerate with `schema-guard map schema > ownership-map.schema.json`)', async () => {
    expect(await printedSchema()).toBe(readFileSync(COMMITTED, 'utf8'));
  });

  it('is a draft-07 schema that documents the map from the zod descriptions', async () => {
    const schema = JSON.parse(await printedSchema());
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.required).toEqual(['version', 'domains', 'families']);
    expect(schema.properties.domains.additionalProperties.properties.owners.description).toContain('primary and secondary owner');
  });

  it('the root map names it on its first line and validates against it', () => {
    const text = readFileSync(ROOT_MAP, 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./ownership-map.schema.json');
    const validate = validator();
    expect(validate(parse(text))).toBe(true);
    expect(validate.errors).toBeNull();
  });

  it('rejects what the loader rejects: an unknown kind, a missing folders list, an unknown key', () => {
    const map = parse(readFileSync(ROOT_MAP, 'utf8'));
    map.domains['platform-iam'].kind = 'service';
    delete map.domains['platform-audit'].folders;
    map.families[0].owner = 'platform-iam';
    const validate = validator();
    expect(validate(map)).toBe(false);
    expect(validate.errors!.map((e) => `${e.instancePath} ${e.keyword}`).sort()).toEqual([
      '/domains/platform-audit required',
      '/domains/platform-iam/kind enum',
      '/families/0 additionalProperties',
    ]);
  });
});
