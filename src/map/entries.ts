/**
 * A domain's ways in: the files other domains may import. They are the files its `entry:` globs match
 * and, for each folder `<base>/**` of the domain that is not a workspace package's own folder (a
 * domain that is a folder inside a package, or inside a single application), `<base>/index.*`.
 * A package's entry (package.json `exports`/`main`) is a way in too; cross-domain-import asks the
 * resolver for it.
 */
import picomatch from 'picomatch';
import { isNegatedGlob } from './globs.js';
import { matches, type OwnershipIndex } from './resolve.js';

const INDEX_FILE = /^index\.(?:ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

/**
 * The entry files of each domain among `files` (repository-relative), in repository order: `entry:`
 * matches first, then index files. `isPackageDir` tells a workspace package's own folder.
 */
export function domainEntries(index: OwnershipIndex, files: readonly string[], isPackageDir: (dir: string) => boolean): (domain: string) => readonly string[] {
  const answers = new Map<string, readonly string[]>();
  return (domain) => {
    let answer = answers.get(domain);
    if (!answer) {
      answer = entriesOf(index, files, isPackageDir, domain);
      answers.set(domain, answer);
    }
    return answer;
  };
}

function entriesOf(index: OwnershipIndex, files: readonly string[], isPackageDir: (dir: string) => boolean, id: string): readonly string[] {
  const domain = index.domain(id);
  if (!domain) return [];
  const declared = domain.entry.length > 0 ? files.filter((file) => matches(domain.entry, file)) : [];
  const bases = new Set(domain.folders.filter((glob) => !isNegatedGlob(glob)).flatMap((glob) => folderBase(glob) ?? []));
  const indexes = files.filter((file) => {
    const slash = file.lastIndexOf('/');
    const dir = slash < 0 ? '' : file.slice(0, slash);
    return bases.has(dir) && !isPackageDir(dir) && INDEX_FILE.test(file.slice(slash + 1)) && index.domainOfFile(file) === id;
  });
  return [...new Set([...declared, ...indexes])];
}

/** `src/billing` of `src/billing/**`; none for a glob with wildcards before its last `/**`. */
function folderBase(glob: string): string | undefined {
  const { base, glob: rest } = picomatch.scan(glob);
  return rest === '**' && base !== '' ? base : undefined;
}
