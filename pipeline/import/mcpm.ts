/**
 * mcpm.sh registry entries (mcp-registry/servers/<name>.json) → candidates. An mcpm entry says
 * how to launch a server: a command, its args and env, with `${ARG}` placeholders described in
 * `arguments`. Where the command is a package runner (npx, uvx, docker run) or an HTTP endpoint
 * this becomes server.json packages and remotes; local paths, `python -m` and custom scripts
 * cannot be expressed and are skipped with a warning.
 */
import semver from 'semver';
import { isObject } from '../core/guards.ts';
import { pointer } from '../core/issues.ts';
import type { KeyValueInput, Package, PositionalArgument, RemoteTransport } from '../core/schema-types.gen.ts';
import {
  MCPM_CATEGORIES,
  NotMappable,
  attribution,
  buildListing,
  collector,
  compact,
  githubName,
  keyValue,
  mapCapabilities,
  mapCategory,
  ociIdentifier,
  parseGitHubUrl,
  parsePlaceholders,
  positional,
  repositoryOf,
  slugTags,
  spdxLicense,
  str,
  titleOf,
  type Lookup,
  type Warn,
} from './mapping.ts';
import type { ImportCandidate, MappedSource } from './types.ts';

export const MCPM_SOURCE = {
  repository: 'https://github.com/pathintegral-institute/mcpm.sh',
  license: 'MIT',
  pathPrefix: 'mcp-registry/servers/',
} as const;

const PLACEHOLDER = /\$\{([^}]+)\}/g;
const NPM_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;
const PYPI_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const PYPI_EXACT_VERSION = /^\d[0-9A-Za-z.!+-]*$/;

export function mapMcpm(entry: unknown, sourceFile: string, upstream: { commit?: string } = {}): MappedSource {
  const sourceId = sourceFile.replace(/\.json$/, '');
  const rejected = (code: string, path: string, message: string): MappedSource => ({
    candidates: [],
    rejected: [{ sourceId, sourceFile, code, path, message }],
  });
  if (!isObject(entry)) return rejected('not-an-object', '', 'The entry is not a JSON object.');
  const description = str(entry.description);
  if (!description) {
    return rejected('missing-description', '/description', 'The entry has no description, which every listing needs.');
  }
  const repoUrl = isObject(entry.repository) ? entry.repository.url : undefined;
  const repo = typeof repoUrl === 'string' ? parseGitHubUrl(repoUrl) : undefined;
  if (!repo) {
    return rejected(
      'no-namespace',
      '/repository/url',
      `${JSON.stringify(repoUrl)} is not a GitHub repository URL, so there is no io.github.<owner> namespace to name the server by.`,
    );
  }
  const categories = Array.isArray(entry.categories) ? entry.categories : [];
  const unknown = categories.findIndex((c) => mapCategory(MCPM_CATEGORIES, c) === undefined);
  if (unknown >= 0) {
    return rejected(
      'unknown-source-category',
      pointer('categories', unknown),
      `mcpm category ${JSON.stringify(categories[unknown])} has no row in MCPM_CATEGORIES (pipeline/import/mapping.ts).`,
    );
  }

  const { warnings, warn } = collector();
  // One category per listing: mcpm's first is its primary one.
  for (const [i, c] of categories.entries()) {
    if (i === 0) continue;
    warn('category-dropped', pointer('categories', i), `Only the first category is kept, not ${JSON.stringify(c)}.`);
  }
  const license = spdxLicense(entry.license);
  if (!license && entry.license !== undefined) {
    warn(
      'license-dropped',
      '/license',
      `${JSON.stringify(entry.license)} is not an SPDX licence id; the listing carries no licence.`,
    );
  }
  const { packages, remotes } = mapInstallations(entry.installations, argumentLookup(entry.arguments), warn);
  if (packages.length === 0 && remotes.length === 0) {
    warn(
      'no-installable-package',
      '/installations',
      'No installation maps to a registry package or a remote endpoint; the listing only describes the server.',
    );
  }
  const listing = buildListing({
    name: githubName(repo, sourceId),
    title: titleOf(entry.display_name, '/display_name', warn),
    description,
    websiteUrl: websiteUrl(entry.homepage, repoUrl as string, warn),
    repository: repositoryOf(repo),
    packages,
    remotes,
    meta: compact({
      category: mapCategory(MCPM_CATEGORIES, categories[0]),
      tags: slugTags(entry.tags, ['tags'], warn),
      license,
      importedFrom: attribution('mcpm', MCPM_SOURCE, sourceFile, upstream),
    }),
  });
  const tools = mapCapabilities(
    { tools: entry.tools, prompts: entry.prompts, resources: entry.resources },
    (kind, ...rest) => pointer(kind, ...rest),
    warn,
  );
  const candidate: ImportCandidate = compact({
    sourceId,
    sourceFile,
    listing,
    readme: readmeOf(description, entry.examples),
    tools,
    status:
      entry.is_archived === true
        ? { status: 'deprecated' as const, message: 'The upstream repository is archived (per the mcpm.sh registry).' }
        : undefined,
    warnings,
  });
  return { candidates: [candidate], rejected: [] };
}

/** What `${NAME}` stands for, from the entry's `arguments` (description, required, example). */
function argumentLookup(args: unknown): Lookup {
  return (name) => {
    const arg = isObject(args) && Object.hasOwn(args, name) ? args[name] : undefined;
    if (!isObject(arg)) return {};
    return compact({
      description: str(arg.description),
      isRequired: typeof arg.required === 'boolean' ? arg.required : undefined,
      placeholder: str(arg.example),
    });
  };
}

/** The homepage, unless it is only the repository again or not an https URL. */
function websiteUrl(homepage: unknown, repoUrl: string, warn: Warn): string | undefined {
  if (homepage === undefined) return undefined;
  const bare = (url: string) =>
    url
      .toLowerCase()
      .replace(/\/+$/, '')
      .replace(/\.git$/, '');
  if (typeof homepage === 'string' && bare(homepage) === bare(repoUrl)) return undefined;
  if (typeof homepage === 'string' && URL.canParse(homepage) && new URL(homepage).protocol === 'https:') {
    return homepage;
  }
  warn('homepage-dropped', '/homepage', `${JSON.stringify(homepage)} is not an https URL.`);
  return undefined;
}

function mapInstallations(
  installations: unknown,
  lookup: Lookup,
  warn: Warn,
): { packages: Package[]; remotes: RemoteTransport[] } {
  const packages: Package[] = [];
  const remotes: RemoteTransport[] = [];
  for (const [key, installation] of Object.entries(isObject(installations) ? installations : {})) {
    try {
      if (!isObject(installation)) throw new NotMappable('it is not an object');
      if (installation.type === 'http') remotes.push(httpRemote(installation, lookup));
      else packages.push(installationPackage(installation, lookup));
    } catch (error) {
      if (!(error instanceof NotMappable)) throw error;
      warn(
        'installation-not-mapped',
        pointer('installations', key),
        `Installation "${key}" is not mapped: ${error.message}.`,
      );
    }
  }
  return { packages, remotes };
}

function installationPackage(installation: Record<string, unknown>, lookup: Lookup): Package {
  const { type, command } = installation;
  const { args, env: envMap = {} } = installation;
  if (!Array.isArray(args) || !args.every((a): a is string => typeof a === 'string')) {
    throw new NotMappable('"args" is not a list of strings');
  }
  if (!isObject(envMap) || !Object.values(envMap).every((v) => typeof v === 'string')) {
    throw new NotMappable('"env" is not a map of strings');
  }
  // mcpm writes `env` into the client's config for the user to edit, so plain text is a default.
  const env = Object.entries(envMap).map(([name, raw]) =>
    keyValue(name, parsePlaceholders(String(raw), PLACEHOLDER, lookup), 'default'),
  );
  if (type === 'npm' && (command === 'npx' || command === 'bunx')) {
    const start = args.findIndex((a) => a !== '-y' && a !== '--yes');
    return registryPackage('npm', command, start < 0 ? [] : args.slice(start), env, lookup);
  }
  if (type === 'uvx' && command === 'uvx') return registryPackage('pypi', 'uvx', args, env, lookup);
  // `uv tool run` is the long form of `uvx`.
  if (type === 'uvx' && command === 'uv' && args[0] === 'tool' && args[1] === 'run') {
    return registryPackage('pypi', 'uvx', args.slice(2), env, lookup);
  }
  if (type === 'docker' && command === 'docker' && args[0] === 'run') return dockerRun(args.slice(1), env, lookup);
  throw new NotMappable(
    `a "${String(type)}" installation run by ${JSON.stringify(command)} is not a package from a registry`,
  );
}

/** `npx <pkg>[@version] args…` / `uvx <pkg>[==version] args…` as a registry package. */
function registryPackage(
  registryType: 'npm' | 'pypi',
  runtimeHint: string,
  args: string[],
  env: KeyValueInput[],
  lookup: Lookup,
): Package {
  const [spec, ...rest] = args;
  if (spec === undefined) throw new NotMappable('it names no package');
  // e.g. `uvx --from git+https://… cmd`: the command is not the package, which server.json cannot say.
  if (spec.startsWith('-')) {
    throw new NotMappable(`the ${runtimeHint} option "${spec}" before the package cannot be expressed in server.json`);
  }
  const match = registryType === 'npm' ? /^(@?[^@]+)(?:@(.*))?$/.exec(spec) : /^([^=@]+)(?:(?:==|@)(.*))?$/.exec(spec);
  const identifier = match?.[1] ?? '';
  const version = match?.[2];
  if (!(registryType === 'npm' ? NPM_NAME : PYPI_NAME).test(identifier)) {
    throw new NotMappable(
      `"${spec}" is not an ${registryType} package name (a URL or a path is not a registry package)`,
    );
  }
  const exact = registryType === 'npm' ? semver.valid(version) === version : PYPI_EXACT_VERSION.test(version ?? '');
  if (version !== undefined && version !== 'latest' && !exact) {
    throw new NotMappable(`"${version}" in "${spec}" is a tag or range, not one exact version`);
  }
  return compact({
    registryType,
    identifier,
    // Without a version (or with "latest") the runner takes the newest release, as the listing does.
    version: version !== undefined && version !== 'latest' ? version : undefined,
    runtimeHint,
    transport: { type: 'stdio' as const },
    packageArguments:
      rest.length > 0 ? rest.map((a) => positional(parsePlaceholders(a, PLACEHOLDER, lookup))) : undefined,
    environmentVariables: env.length > 0 ? env : undefined,
  });
}

/** docker run options that the client adds itself for a stdio server, so they are not arguments of the listing. */
const DOCKER_IMPLIED = new Set(['-i', '--interactive', '--rm']);
/** docker run options that take the next word as their value. */
const DOCKER_VALUE_OPTIONS = new Set([
  '-v',
  '--volume',
  '--mount',
  '-p',
  '--publish',
  '--name',
  '--network',
  '-w',
  '--workdir',
  '-u',
  '--user',
  '--entrypoint',
  '--platform',
  '--env-file',
]);

/** `docker run [options] <image> [args]` as an OCI package; `-e` options become environment variables. */
function dockerRun(args: string[], env: KeyValueInput[], lookup: Lookup): Package {
  const variables = new Map(env.map((e) => [e.name, e]));
  const runtimeArguments: PositionalArgument[] = [];
  const word = (a: string) => positional(parsePlaceholders(a, PLACEHOLDER, lookup));
  let i = 0;
  for (; i < args.length && args[i]!.startsWith('-'); i++) {
    const option = args[i]!;
    if (DOCKER_IMPLIED.has(option)) continue;
    if (option === '-e' || option === '--env') {
      const spec = args[++i] ?? '';
      const [name = '', value] = spec.split(/=(.*)/s);
      if (!/^[^\s=${}]+$/.test(name)) {
        throw new NotMappable(`"${option} ${spec}" does not name an environment variable`);
      }
      // A value on the command line is fixed; a bare name passes the variable the user sets in `env`.
      if (value !== undefined) variables.set(name, keyValue(name, parsePlaceholders(value, PLACEHOLDER, lookup)));
      else if (!variables.has(name)) variables.set(name, { name, ...lookup(name) });
      continue;
    }
    runtimeArguments.push(word(option));
    if (DOCKER_VALUE_OPTIONS.has(option) && i + 1 < args.length) runtimeArguments.push(word(args[++i]!));
  }
  const image = args[i];
  if (image === undefined) throw new NotMappable('the docker run command names no image');
  const rest = args.slice(i + 1);
  return compact({
    registryType: 'oci',
    identifier: ociIdentifier(image),
    runtimeHint: 'docker',
    transport: { type: 'stdio' as const },
    runtimeArguments: runtimeArguments.length > 0 ? runtimeArguments : undefined,
    packageArguments: rest.length > 0 ? rest.map(word) : undefined,
    environmentVariables: variables.size > 0 ? [...variables.values()] : undefined,
  });
}

function httpRemote(installation: Record<string, unknown>, lookup: Lookup): RemoteTransport {
  const { url, headers } = installation;
  if (typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url) || !URL.canParse(url)) {
    throw new NotMappable(`${JSON.stringify(url)} is not an http(s) URL`);
  }
  const mapped = Object.entries(isObject(headers) ? headers : {}).map(([name, raw]) =>
    keyValue(name, parsePlaceholders(String(raw), PLACEHOLDER, lookup)),
  );
  // mcpm has no transport field; an endpoint path ending in /sse is the SSE transport by convention.
  const type = /\/sse\/?$/.test(new URL(url).pathname) ? 'sse' : 'streamable-http';
  return { type, url, ...(mapped.length > 0 ? { headers: mapped } : {}) };
}

/** README.md: the description, then mcpm's examples, each with its prompt quoted. */
function readmeOf(description: string, examples: unknown): string {
  const items = (Array.isArray(examples) ? examples : []).filter(isObject).flatMap((example) => {
    const title = str(example.title);
    const head = [title && `**${title}**`, str(example.description)].filter(Boolean).join(': ');
    const quote = str(example.prompt)?.replace(/^/gm, '> ').replaceAll('\n', '\n  ');
    return head || quote ? [`- ${[head, quote].filter(Boolean).join('\n  ')}`] : [];
  });
  return items.length > 0 ? `${description}\n\n## Examples\n\n${items.join('\n')}\n` : `${description}\n`;
}
