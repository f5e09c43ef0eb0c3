#!/usr/bin/env node
/**
 * Scores schema-guard on real public repositories (`npm run eval:real`).
 *
 * Each folder of eval/real/ holds, for one repository: corpus.json (where it comes from and at which
 * commit), the ownership map written for it, and judged.yaml, the findings that map implies, judged by
 * hand (`verdict: true`), and findings the tool once gave that are wrong (`verdict: false`). The
 * repositories are not part of this one: a corpus is looked for in $SCHEMA_GUARD_CORPORA/<name>
 * (default: ../corpora beside this repository) and skipped, with a line saying so, when absent.
 *
 *   node eval/run.mjs [names…] [--unjudged] [--missed]
 *
 * --unjudged lists the findings no judged entry covers (judge them before trusting the precision),
 * --missed the true entries the tool did not report.
 *
 * A corpus judged in part says which part in corpus.json: `"judged": { "files": [globs], "rules": [ids] }`.
 * Findings outside it are not scored (the row counts them as "not in judged part").
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import picomatch from 'picomatch';
import { parse } from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
const repository = path.dirname(here);
const corpora = path.resolve(process.env.SCHEMA_GUARD_CORPORA ?? path.join(repository, '..', 'corpora'));
const args = process.argv.slice(2);
const listUnjudged = args.includes('--unjudged');
const listMissed = args.includes('--missed');
const only = args.filter((arg) => !arg.startsWith('--'));

const keyOf = (entry) => `${entry.rule}|${entry.file}|${entry.line}|${entry.table ?? ''}`;
const percent = (part, whole) => (whole === 0 ? '—' : `${((100 * part) / whole).toFixed(0)} %`);

const rows = [];
for (const name of readdirSync(path.join(here, 'real')).sort()) {
  if (only.length > 0 && !only.includes(name)) continue;
  const folder = path.join(here, 'real', name);
  const corpus = JSON.parse(readFileSync(path.join(folder, 'corpus.json'), 'utf8'));
  const root = path.join(corpora, name, corpus.subfolder ?? '');
  if (!existsSync(root)) {
    console.log(`skip ${name}: no corpus at ${root} (a work tree of ${corpus.repository} at ${corpus.commit})`);
    continue;
  }
  const judged = parse(readFileSync(path.join(folder, 'judged.yaml'), 'utf8')) ?? [];
  const verdicts = new Map(judged.map((entry) => [keyOf(entry), entry]));
  const started = process.hrtime.bigint();
  let stdout;
  try {
    stdout = execFileSync(
      process.execPath,
      [path.join(repository, 'bin/schema-guard.js'), 'check', '--root', root, '--map', path.join(folder, 'ownership-map.yaml'), '--format', 'json', '--no-cache', '--no-baseline', '--quiet'],
      { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'inherit'] },
    );
  } catch (error) {
    if (error.status !== 1) throw error;
    stdout = error.stdout;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const report = JSON.parse(stdout);
  const inPart = judgedPart(corpus.judged);
  const reported = report.findings.filter((finding) => !finding.suppressed);
  const findings = reported.filter(inPart);
  let truePositives = 0;
  let falsePositives = 0;
  const unjudged = [];
  const found = new Set();
  for (const finding of findings) {
    const entry = { rule: finding.ruleId, file: finding.file, line: finding.line, table: finding.table ?? undefined };
    const verdict = verdicts.get(keyOf(entry));
    if (!verdict) unjudged.push({ ...entry, message: finding.message });
    else if (verdict.verdict === true) {
      truePositives++;
      found.add(keyOf(entry));
    } else falsePositives++;
  }
  const truths = judged.filter((entry) => entry.verdict === true);
  const missed = truths.filter((entry) => !found.has(keyOf(entry)));
  const coverage = report.summary.coverage;
  const falseParseErrors = judged.filter((entry) => entry.rule === 'sql-parse-error' && entry.verdict === false && findings.some((finding) => keyOf({ rule: finding.ruleId, file: finding.file, line: finding.line, table: finding.table ?? undefined }) === keyOf(entry))).length;
  rows.push({
    corpus: name,
    findings: findings.length,
    'true': truePositives,
    'false': falsePositives,
    unjudged: unjudged.length,
    ...(corpus.judged ? { 'not in judged part': reported.length - findings.length } : {}),
    missed: missed.length,
    // Unjudged findings count against precision until someone judges them.
    precision: percent(truePositives, findings.length),
    recall: percent(truePositives, truths.length),
    'false parse errors': falseParseErrors,
    'sites read': coverage ? `${coverage.read} of ${coverage.sites}` : '—',
    unread: coverage ? percent(coverage.sites - coverage.read, coverage.sites) : '—',
    seconds: seconds.toFixed(1),
  });
  if (listUnjudged) for (const entry of unjudged) console.log(`unjudged ${name}: ${JSON.stringify(entry)}`);
  if (listMissed) for (const entry of missed) console.log(`missed ${name}: ${JSON.stringify(entry)}`);
}

/** The findings a corpus judged in part scores: those of its judged files and rules. */
function judgedPart(part) {
  if (!part) return () => true;
  const inFiles = part.files ? picomatch(part.files, { dot: true }) : () => true;
  const rules = part.rules ? new Set(part.rules) : undefined;
  return (finding) => inFiles(finding.file) && (!rules || rules.has(finding.ruleId));
}

if (rows.length > 0) {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  console.log(`| ${columns.join(' | ')} |`);
  console.log(`|${columns.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${columns.map((column) => row[column] ?? '—').join(' | ')} |`);
}
