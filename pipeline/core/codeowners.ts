/**
 * `.github/CODEOWNERS`, read as GitHub reads it
 * (https://docs.github.com/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners):
 * one pattern per line with gitignore-like matching, owners `@login`, `@org/team` or an email,
 * `#` starts a comment, and the LAST matching line wins (a matching line without owners means the
 * path has none). Pure: the caller checks team membership through the GitHub adapter.
 */

export type CodeOwner =
  { kind: 'user'; login: string } | { kind: 'team'; org: string; team: string } | { kind: 'email'; email: string };

export interface CodeOwnersRule {
  pattern: string;
  owners: CodeOwner[];
  line: number;
  regex: RegExp;
}

/** The rules of a CODEOWNERS text, in file order; lines GitHub would skip as invalid are skipped. */
export function parseCodeOwners(text: string): CodeOwnersRule[] {
  const rules: CodeOwnersRule[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    // `#` starts a comment unless escaped (`\#` begins a pattern with a literal #).
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    const [pattern = '', ...tokens] = line.split(/\s+/);
    const regex = patternRegex(pattern.replace(/^\\#/, '#'));
    if (!regex) continue;
    const owners: CodeOwner[] = [];
    for (const token of tokens) {
      const team = /^@([A-Za-z0-9](?:-?[A-Za-z0-9])*)\/([A-Za-z0-9_.-]+)$/.exec(token);
      const user = /^@([A-Za-z0-9](?:-?[A-Za-z0-9])*)$/.exec(token);
      if (team) owners.push({ kind: 'team', org: team[1]!, team: team[2]! });
      else if (user) owners.push({ kind: 'user', login: user[1]! });
      else if (/^[^@\s]+@[^@\s]+$/.test(token)) owners.push({ kind: 'email', email: token });
    }
    rules.push({ pattern, owners, line: index + 1, regex });
  }
  return rules;
}

/** The owners of a repository path (relative, `/`-separated): those of the last matching rule. */
export function ownersOf(rules: readonly CodeOwnersRule[], path: string): CodeOwner[] {
  for (let i = rules.length - 1; i >= 0; i--) {
    if (rules[i]!.regex.test(path)) return rules[i]!.owners;
  }
  return [];
}

export function formatOwner(owner: CodeOwner): string {
  return owner.kind === 'user'
    ? `@${owner.login}`
    : owner.kind === 'team'
      ? `@${owner.org}/${owner.team}`
      : owner.email;
}

/**
 * gitignore matching as CODEOWNERS uses it: a leading `/` or a `/` inside anchors to the root,
 * otherwise the pattern matches at any depth; `*` stays within a segment, `**` crosses them; a
 * pattern names a file or a directory and all below it, except that a trailing `/*` matches only
 * the directory's direct files (GitHub's documented `docs/*` example). `!` and `[...]` are not
 * supported by GitHub's CODEOWNERS; such lines are skipped.
 */
function patternRegex(pattern: string): RegExp | undefined {
  if (pattern === '' || pattern.startsWith('!') || /[[\]]/.test(pattern)) return undefined;
  let p = pattern;
  const directoryOnly = p.endsWith('/');
  if (directoryOnly) p = p.slice(0, -1);
  const anchored = p.startsWith('/') || p.includes('/');
  p = p.replace(/^\/+/, '');
  if (p === '') return undefined;
  const directFilesOnly = /(^|\/)\*$/.test(p) && !p.endsWith('**');
  let body = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*' && p[i + 1] === '*') {
      if (p[i + 2] === '/') {
        body += '(?:.*/)?';
        i += 2;
      } else {
        body += '.*';
        i += 1;
      }
    } else if (c === '*') body += '[^/]*';
    else if (c === '?') body += '[^/]';
    else body += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  const prefix = anchored ? '^' : '^(?:.*/)?';
  const suffix = directFilesOnly ? '$' : directoryOnly ? '/.*$' : '(?:/.*)?$';
  return new RegExp(prefix + body + suffix);
}
