/**
 * docker/mcp-registry entries (servers/<name>/server.yaml, with tools.json and readme.md beside
 * it) → candidates. `type: server` is an image run by Docker's MCP gateway: an OCI package whose
 * secrets and env become environment variables and whose `run` block becomes arguments.
 * `type: remote` is a hosted endpoint. Gateway-only features (template filters that expand to
 * several arguments, sandbox options, `poci` tool containers) cannot be expressed in server.json.
 */
import { parse } from 'yaml';
import { isObject } from '../core/guards.ts';
import { pointer } from '../core/issues.ts';
import type { Input, KeyValueInput, Package, PositionalArgument, RemoteTransport } from '../core/schema-types.gen.ts';
import {
  DOCKER_CATEGORIES,
  NotMappable,
  attribution,
  buildListing,
  collector,
  compact,
  githubName,
  hostNamespace,
  keyValue,
  mapCapabilities,
  mapCategory,
  ociIdentifier,
  parseGitHubUrl,
  parsePlaceholders,
  positional,
  repositoryOf,
  slugTags,
  str,
  titleOf,
  type Lookup,
  type Parsed,
  type Warn,
} from './mapping.ts';
import type { ImportCandidate, MappedSource } from './types.ts';

export const DOCKER_SOURCE = {
  repository: 'https://github.com/docker/mcp-registry',
  license: 'MIT',
  pathPrefix: 'servers/',
} as const;

/** `${ENV}` in remote headers, filled from the secret with that `env`. */
const ENV_PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** `run` keys that only restrict the gateway's sandbox; the server runs without them. */
const SANDBOX_OPTIONS = new Set(['disableNetwork', 'allowHosts']);

export function mapDocker(
  input: { serverYaml: string; toolsJson?: string; readme?: string },
  sourceFile: string,
  upstream: { commit?: string } = {},
): MappedSource {
  const slash = sourceFile.lastIndexOf('/');
  const sourceId = slash > 0 ? sourceFile.slice(0, slash) : sourceFile.replace(/\.ya?ml$/, '');
  const rejected = (code: string, path: string, message: string): MappedSource => ({
    candidates: [],
    rejected: [{ sourceId, sourceFile, code, path, message }],
  });
  let entry: unknown;
  try {
    entry = parse(input.serverYaml);
  } catch (error) {
    return rejected('invalid-yaml', '', `server.yaml does not parse: ${(error as Error).message}`);
  }
  if (!isObject(entry)) return rejected('not-an-object', '', 'server.yaml is not a mapping.');
  if (entry.type !== 'server' && entry.type !== 'remote') {
    return rejected(
      'unsupported-server-type',
      '/type',
      entry.type === 'poci'
        ? 'A "poci" entry is not an MCP server: it declares tools that each run a one-off container (e.g. alpine/curl) inside Docker\'s MCP gateway, which server.json cannot express.'
        : `Type ${JSON.stringify(entry.type)} is neither "server" nor "remote".`,
    );
  }
  const about = isObject(entry.about) ? entry.about : {};
  const description = str(about.description);
  if (!description) {
    return rejected(
      'missing-description',
      '/about/description',
      'The entry has no about.description, which every listing needs.',
    );
  }
  const source = isObject(entry.source) ? entry.source : {};
  const remote = isObject(entry.remote) ? entry.remote : undefined;
  const repo = typeof source.project === 'string' ? parseGitHubUrl(source.project, str(source.directory)) : undefined;
  // A hosted server without source code is named after the host it runs on.
  const host =
    !repo && entry.type === 'remote' && typeof remote?.url === 'string' ? hostNamespace(remote.url) : undefined;
  if (!repo && !host) {
    return rejected(
      'no-namespace',
      source.project === undefined ? '/source' : '/source/project',
      `${JSON.stringify(source.project)} is not a GitHub repository URL, and there is no remote URL to take a namespace from.`,
    );
  }
  const meta = isObject(entry.meta) ? entry.meta : {};
  const category = mapCategory(DOCKER_CATEGORIES, meta.category);
  if (meta.category !== undefined && !category) {
    return rejected(
      'unknown-source-category',
      '/meta/category',
      `Docker category ${JSON.stringify(meta.category)} has no row in DOCKER_CATEGORIES (pipeline/import/mapping.ts).`,
    );
  }

  const { warnings, warn } = collector();
  const config = isObject(entry.config) ? entry.config : {};
  const packages: Package[] = [];
  const remotes: RemoteTransport[] = [];
  try {
    if (entry.type === 'server') packages.push(imagePackage(entry, config, warn));
    else remotes.push(remoteTransport(remote, config, warn));
  } catch (error) {
    if (!(error instanceof NotMappable)) throw error;
    warn('installation-not-mapped', error.path ?? '', `The ${String(entry.type)} is not mapped: ${error.message}.`);
    warn(
      'no-installable-package',
      '',
      'Nothing maps to a registry package or a remote endpoint; the listing only describes the server.',
    );
  }
  if (entry.requirement !== undefined) {
    warn(
      'requirement-dropped',
      '/requirement',
      `Docker lists ${JSON.stringify(entry.requirement)} as a requirement of this server; server.json has no field for it.`,
    );
  }
  const listing = buildListing({
    name: repo ? githubName(repo, sourceId) : `${host}/${sourceId}`,
    title: titleOf(about.title, '/about/title', warn),
    description,
    ...(repo ? { repository: repositoryOf(repo) } : {}),
    packages,
    remotes,
    meta: compact({
      category,
      tags: slugTags(meta.tags, ['meta', 'tags'], warn),
      importedFrom: attribution('docker', DOCKER_SOURCE, sourceFile, upstream),
    }),
  });
  const candidate: ImportCandidate = compact({
    sourceId,
    sourceFile,
    listing,
    readme: input.readme?.trim() ? input.readme : `${description}\n`,
    tools: input.toolsJson === undefined ? undefined : toolsOf(input.toolsJson, warn),
    warnings,
  });
  return { candidates: [candidate], rejected: [] };
}

/** The image as an OCI package, with secrets, env and the `run` block. */
function imagePackage(entry: Record<string, unknown>, config: Record<string, unknown>, warn: Warn): Package {
  const image = str(entry.image);
  if (!image) throw new NotMappable('there is no image', '/image');
  if (config.volumes !== undefined) {
    throw new NotMappable('config.volumes names host paths to fill in by hand', '/config/volumes');
  }
  const template = templateReader(String(entry.name), config.parameters);
  const environmentVariables: KeyValueInput[] = [
    ...list(config.secrets, ['config', 'secrets']).map(([secret, at]) => secretInput(secret, at)),
    ...list(config.env, ['config', 'env']).map(([env, at]) => envInput(env, at, template)),
  ];
  const run = isObject(entry.run) ? entry.run : {};
  const runtimeArguments: PositionalArgument[] = [];
  let packageArguments: PositionalArgument[] = [];
  for (const [key, value] of Object.entries(run)) {
    const at = pointer('run', key);
    const words = (option: string) =>
      list(typeof value === 'string' ? [value] : value, ['run', key]).flatMap(([word, wordAt]) => [
        positional({ value: option }),
        positional(template(String(word), wordAt)),
      ]);
    if (key === 'command') {
      packageArguments = list(value, ['run', key]).map(([word, wordAt]) => positional(template(String(word), wordAt)));
    } else if (key === 'volumes') {
      runtimeArguments.push(...words('-v'));
    } else if (key === 'ports') {
      runtimeArguments.push(...words('-p'));
    } else if (key === 'user') {
      runtimeArguments.push(...words('--user'));
    } else if (key === 'env' && isObject(value)) {
      // Set by the image's maintainers, not by the user.
      environmentVariables.push(...Object.entries(value).map(([name, v]) => ({ name, value: String(v) })));
    } else if (SANDBOX_OPTIONS.has(key)) {
      warn('run-option-dropped', at, `run.${key} restricts Docker's sandbox; server.json cannot express it.`);
    } else {
      throw new NotMappable(`run.${key} has no server.json equivalent`, at);
    }
  }
  return compact({
    registryType: 'oci',
    identifier: ociIdentifier(image),
    runtimeHint: 'docker',
    transport: { type: 'stdio' as const },
    runtimeArguments: runtimeArguments.length > 0 ? runtimeArguments : undefined,
    packageArguments: packageArguments.length > 0 ? packageArguments : undefined,
    environmentVariables: environmentVariables.length > 0 ? environmentVariables : undefined,
  });
}

/** The items of a list with their source pointers; anything but a list cannot be mapped. */
function list(value: unknown, at: string[]): [unknown, string][] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new NotMappable('it is not a list', pointer(...at));
  return value.map((item, i) => [item, pointer(...at, i)]);
}

function secretInput(secret: unknown, at: string): KeyValueInput {
  if (!isObject(secret) || typeof secret.env !== 'string') {
    throw new NotMappable('a secret names no environment variable', at);
  }
  return compact({
    name: secret.env,
    description: str(secret.description),
    isRequired: secret.required !== false,
    isSecret: true,
    placeholder: str(secret.example),
  });
}

/** A config.env item: a `{{server.param}}` value is set by the user; plain text is fixed by the image's maintainers. */
function envInput(env: unknown, at: string, template: (raw: string, at: string) => Parsed): KeyValueInput {
  if (!isObject(env) || typeof env.name !== 'string') throw new NotMappable('an env item has no name', at);
  const own = compact({ description: str(env.description), placeholder: str(env.example), default: str(env.default) });
  if (env.value === undefined) return { name: env.name, ...own };
  const mapped = keyValue(env.name, template(String(env.value), `${at}/value`));
  return { ...mapped, ...own };
}

/**
 * Reads `{{<server>.<param>}}` templates against config.parameters (a JSON Schema). A filter
 * (`{{x.paths|volume|into}}`, one value → several arguments) or another server's value cannot be
 * expressed, and fails the package.
 */
function templateReader(server: string, parameters: unknown): (raw: string, at: string) => Parsed {
  const escaped = server.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`\\{\\{${escaped}\\.([A-Za-z0-9_.-]+)\\}\\}`, 'g');
  const lookup: Lookup = (path) => parameterInput(parameters, path.split('.'));
  return (raw, at) => {
    const parsed = parsePlaceholders(raw, pattern, lookup);
    if ('value' in parsed && parsed.value.includes('{{')) {
      throw new NotMappable(`the template "${raw}" has no server.json equivalent`, at);
    }
    return parsed;
  };
}

/** Description and required-ness of a parameter, found through nested `properties`. */
function parameterInput(parameters: unknown, path: string[]): Input {
  let node = parameters;
  let required = true;
  for (const key of path) {
    if (!isObject(node)) return {};
    required &&= Array.isArray(node.required) && node.required.includes(key);
    node = isObject(node.properties) ? node.properties[key] : undefined;
  }
  if (!isObject(node)) return {};
  return compact({ description: str(node.description), isRequired: required || undefined });
}

function remoteTransport(
  remote: Record<string, unknown> | undefined,
  config: Record<string, unknown>,
  warn: Warn,
): RemoteTransport {
  if (!remote) throw new NotMappable('there is no remote block', '/remote');
  const { transport_type: type, url } = remote;
  if (type !== 'streamable-http' && type !== 'sse') {
    throw new NotMappable(
      `transport ${JSON.stringify(type)} is neither streamable-http nor sse`,
      '/remote/transport_type',
    );
  }
  if (typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url)) {
    throw new NotMappable(`${JSON.stringify(url)} is not an http(s) URL`, '/remote/url');
  }
  const secrets = list(config.secrets, ['config', 'secrets']).map(([secret, at]) => secretInput(secret, at));
  const used = new Set<string>();
  const lookup: Lookup = (name) => {
    used.add(name);
    const { name: _env, ...input } = secrets.find((s) => s.name === name) ?? { name };
    return input;
  };
  const headers = Object.entries(isObject(remote.headers) ? remote.headers : {}).map(([name, raw]) =>
    keyValue(name, parsePlaceholders(String(raw), ENV_PLACEHOLDER, lookup)),
  );
  // A remote gets secrets only through its headers; one that no header uses is lost.
  secrets.forEach((s, i) => {
    if (!used.has(s.name)) {
      warn('secret-not-mapped', pointer('config', 'secrets', i), `No remote header uses ${s.name}.`);
    }
  });
  return { type, url, ...(headers.length > 0 ? { headers } : {}) };
}

/**
 * tools.json: MCP tools, some with Docker's compact `arguments` ([{name, type, desc, optional,
 * items}]) instead of an inputSchema; those are written out as the JSON Schema they stand for.
 */
function toolsOf(text: string, warn: Warn): ImportCandidate['tools'] {
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch (error) {
    warn('tools-dropped', '/tools.json', `tools.json does not parse: ${(error as Error).message}`);
    return undefined;
  }
  if (!Array.isArray(items)) {
    warn('tools-dropped', '/tools.json', 'tools.json is not a list of tools.');
    return undefined;
  }
  const tools = items.map((item, i) => {
    if (!isObject(item) || item.inputSchema !== undefined || !Array.isArray(item.arguments)) return item;
    const args = item.arguments.filter(isObject);
    if (args.length < item.arguments.length || !args.every((a) => typeof a.name === 'string')) {
      warn(
        'capability-field-dropped',
        pointer('tools.json', i, 'arguments'),
        'The arguments are not all {name, type, desc} items.',
      );
      return item;
    }
    const properties = Object.fromEntries(
      args.map((a) => [a.name, compact({ type: a.type, description: a.desc, items: a.items })]),
    );
    const required = args.filter((a) => a.optional !== true).map((a) => a.name);
    return { ...item, inputSchema: { type: 'object', properties, ...(required.length > 0 ? { required } : {}) } };
  });
  return mapCapabilities({ tools }, (_kind, ...rest) => pointer('tools.json', ...rest), warn);
}
