/**
 * Reads of the registries that servers are published to, for the update bot, re-verification and
 * the issue-form submission: package metadata and versions, never downloads of the packages
 * themselves (those go through artifact-fetch.ts, with its cache and caps).
 *
 * - npm: the registry's package document, `GET /<name>` (https://github.com/npm/registry/blob/main/docs/REGISTRY-API.md):
 *   `dist-tags.latest`, `versions[v].dist.{integrity,shasum,tarball}`, `time`, `repository`, `description`.
 * - PyPI: the JSON API, `GET /pypi/<name>/json` (https://docs.pypi.org/api/json/): `info.version`,
 *   `releases[v][]` with `digests.sha256` and `yanked`, `urls[]` (the files of `info.version`).
 * - OCI: the distribution spec's tag list and manifest HEAD (https://github.com/opencontainers/distribution-spec/blob/main/spec.md),
 *   with the anonymous bearer token that Docker Hub and GHCR ask for in `WWW-Authenticate`
 *   (https://distribution.github.io/distribution/spec/auth/token/), and `Link` paging of tags.
 * - GitHub: the latest release (`GET /repos/{owner}/{repo}/releases/latest`, which is by GitHub's
 *   definition the newest non-draft, non-prerelease one) with its assets.
 *
 * Every answer is read with a byte cap and a deadline, retried on 5xx, 429 and network errors, and
 * trimmed to the fields above; every failure is an `UpstreamError` with a code, wrapped here once.
 * Plain fetch rather than octokit for the one GitHub read: it needs no pagination, and the same
 * caps and error codes as the other three.
 */
import { createHash } from 'node:crypto';
import { isObject } from '../core/guards.ts';

export type UpstreamRegistry = 'npm' | 'pypi' | 'oci' | 'github';

export type UpstreamErrorCode =
  /** Not a name the registry could hold; nothing was asked. */
  | 'invalid-name'
  /** 404 or 410: no such package, image, tag or release. */
  | 'not-found'
  /** 429 (or GitHub's rate-limit 403) after the retries. */
  | 'rate-limited'
  /** 401 or 403 that no anonymous token cures: a private package or image. */
  | 'unauthorized'
  /** No HTTP answer (DNS, refused, reset) or 5xx, after the retries. */
  | 'network'
  /** No complete answer within the deadline, after the retries. */
  | 'timeout'
  /** The answer is over the byte cap. */
  | 'too-large'
  /** Another HTTP status. */
  | 'http-status'
  /** An answer of the wrong shape, too many pages, or a link to another origin. */
  | 'bad-response';

export class UpstreamError extends Error {
  override name = 'UpstreamError';
  readonly registry: UpstreamRegistry;
  readonly code: UpstreamErrorCode;
  /** `METHOD url` of the request that failed, when one was made. */
  readonly endpoint: string | undefined;
  readonly status: number | undefined;
  constructor(
    registry: UpstreamRegistry,
    code: UpstreamErrorCode,
    endpoint: string | undefined,
    message: string,
    options: { cause?: unknown; status?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.registry = registry;
    this.code = code;
    this.endpoint = endpoint;
    this.status = options.status;
  }
}

export interface NpmVersion {
  version: string;
  /** Subresource Integrity string of the tarball, normally `sha512-…` (https://w3c.github.io/webappsec-subresource-integrity/). */
  integrity?: string;
  /** sha1 hex of the tarball (older packages have only this). */
  shasum?: string;
  tarball?: string;
  /** npm's deprecation message, when the version is deprecated. */
  deprecated?: string;
}

export interface NpmPackage {
  name: string;
  /** `dist-tags.latest`: what `npm install <name>` gets. */
  latest: string | undefined;
  description?: string;
  repository?: { type?: string; url?: string; directory?: string };
  versions: Record<string, NpmVersion>;
  /** Publication time of each version (ISO 8601), plus npm's `created` and `modified`. */
  time: Record<string, string>;
}

export interface PypiFile {
  filename: string;
  url: string;
  sha256: string;
  /** `sdist`, `bdist_wheel`, … */
  packagetype: string;
  yanked: boolean;
}

export interface PypiProject {
  name: string;
  /** `info.version`: the newest non-prerelease release, as PyPI computes it (any release when there are only prereleases). */
  version: string;
  summary?: string;
  /** `info.project_urls` (Source, Homepage, …). */
  projectUrls: Record<string, string>;
  /** Files of every release, by version as PyPI spells it. */
  releases: Record<string, PypiFile[]>;
  /** Files of `version`. */
  urls: PypiFile[];
}

/** An image reference, `[registry/]repository[:tag][@digest]`, normalised as docker does. */
export interface OciReference {
  /** `docker.io` for a reference without a registry part. */
  registry: string;
  /** With `library/` for Docker Hub's official images. */
  repository: string;
  tag?: string;
  /** `sha256:<hex>`. */
  digest?: string;
}

export interface GitHubReleaseAsset {
  name: string;
  /** `browser_download_url`: the URL a listing names. */
  url: string;
  size: number;
}

export interface GitHubRelease {
  tag: string;
  name: string | undefined;
  htmlUrl: string | undefined;
  publishedAt: string | undefined;
  assets: GitHubReleaseAsset[];
}

/** What the update bot, re-verification and the submission form read upstream. */
export interface UpstreamRegistries {
  npmPackage(name: string): Promise<NpmPackage>;
  pypiProject(name: string): Promise<PypiProject>;
  /** Every tag of the image's repository, every page followed. */
  ociTags(reference: OciReference): Promise<string[]>;
  /** The manifest digest (`sha256:…`) that a tag or digest resolves to now. */
  ociDigest(reference: OciReference, tagOrDigest: string): Promise<string>;
  /** The latest release (non-draft, non-prerelease); `not-found` when the repository has none. */
  latestGitHubRelease(owner: string, repo: string): Promise<GitHubRelease>;
}

export interface UpstreamRegistriesOptions {
  /** Default `https://registry.npmjs.org`. */
  npmUrl?: string;
  /** Default `https://pypi.org`. */
  pypiUrl?: string;
  /** Default `https://api.github.com`. */
  githubApiUrl?: string;
  /** Token for the GitHub read (raises the rate limit); sent to `githubApiUrl` only. */
  githubToken?: string;
  /**
   * Base URL per OCI registry host, for mirrors and tests, e.g. `{"docker.io": "http://127.0.0.1:5000"}`.
   * Without one, `docker.io` is `https://registry-1.docker.io` and any other host `https://<host>`.
   */
  ociUrls?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
  /** Cap on one answer. Default 32 MiB (an npm document of a package with thousands of versions is a few MiB). */
  maxBytes?: number;
  /** Per attempt, covering the body. Default 30 s. */
  timeoutMs?: number;
  /** Extra attempts after a network error, a timeout, a 5xx or a 429. Default 2. */
  retries?: number;
  /** Delay before the first retry; it doubles on each further one. Default 1 s. */
  backoffMs?: number;
  /** Pages of tags to follow before giving up with `bad-response`. Default 50. */
  maxPages?: number;
  userAgent?: string;
}

/** npm's naming rules (validate-npm-package-name), with the old names' capitals allowed. */
const NPM_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9_~-][a-z0-9._~-]*$/i;
/** PEP 508 project names. */
const PYPI_NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;
/** Distribution spec: repository name components, and tags. */
const OCI_REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const OCI_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const OCI_DIGEST = /^sha256:[a-f0-9]{64}$/;
const GITHUB_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
/** What a manifest HEAD accepts: indexes first, so a multi-platform image gives its index digest, as `docker pull` pins it. */
const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');
const MAX_RETRY_AFTER_MS = 30_000;

/**
 * Parse an image reference as docker does: the first component is a registry when it has a `.` or
 * `:` or is `localhost`; Docker Hub's one-component names are `library/<name>`.
 */
export function parseOciReference(text: string): OciReference | undefined {
  let rest = text.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!OCI_DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!OCI_TAG.test(tag)) return undefined;
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  let registry = 'docker.io';
  let repository = rest;
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    repository = rest.slice(slash + 1);
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = 'docker.io';
  if (registry === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  if (!OCI_REPOSITORY.test(repository)) return undefined;
  return { registry, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** `registry/repository`, without tag or digest. */
function imageName(ref: OciReference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The reference as text, with the registry always written out. */
export function formatOciReference(ref: OciReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
}

export function createUpstreamRegistries(options: UpstreamRegistriesOptions = {}): UpstreamRegistries {
  const trim = (url: string) => url.replace(/\/+$/, '');
  const npmUrl = trim(options.npmUrl ?? 'https://registry.npmjs.org');
  const pypiUrl = trim(options.pypiUrl ?? 'https://pypi.org');
  const githubApiUrl = trim(options.githubApiUrl ?? 'https://api.github.com');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retries = Math.max(0, options.retries ?? 2);
  const backoffMs = options.backoffMs ?? 1000;
  const maxPages = options.maxPages ?? 50;
  const userAgent = options.userAgent ?? 'mcp-catalog-sync';
  /** Anonymous OCI tokens, by registry origin and scope: one dance per repository and run. */
  const tokens = new Map<string, string>();

  /** One request with retries; returns any answer that is not retriable, or throws an UpstreamError. */
  async function request(
    registry: UpstreamRegistry,
    method: 'GET' | 'HEAD',
    url: string,
    headers: Record<string, string>,
  ): Promise<Answer> {
    const endpoint = `${method} ${url}`;
    let failure: UpstreamError | undefined;
    let retryAfterMs: number | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(Math.min(retryAfterMs ?? backoffMs * 2 ** (attempt - 1), MAX_RETRY_AFTER_MS));
      retryAfterMs = undefined;
      const signal = AbortSignal.timeout(timeoutMs);
      let answer: Answer;
      try {
        const response = await fetchImpl(url, {
          method,
          headers: { 'user-agent': userAgent, ...headers },
          redirect: 'follow',
          signal,
        });
        answer = {
          status: response.status,
          headers: response.headers,
          body: await readCapped(response, maxBytes, registry, endpoint),
          url: response.url || url,
        };
      } catch (error) {
        if (error instanceof UpstreamError) throw error;
        const timedOut = signal.aborted || (error instanceof Error && error.name === 'TimeoutError');
        const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
        failure = timedOut
          ? new UpstreamError(
              registry,
              'timeout',
              endpoint,
              `${endpoint}: no complete answer within ${timeoutMs} ms.`,
              {
                cause: error,
              },
            )
          : new UpstreamError(registry, 'network', endpoint, `${endpoint} could not be reached (${cause}).`, {
              cause: error,
            });
        continue;
      }
      const rateLimited =
        answer.status === 429 ||
        (registry === 'github' && answer.status === 403 && answer.headers.get('x-ratelimit-remaining') === '0');
      if (rateLimited || answer.status >= 500) {
        failure = new UpstreamError(
          registry,
          rateLimited ? 'rate-limited' : 'network',
          endpoint,
          `${endpoint} answered HTTP ${answer.status}.`,
          { status: answer.status },
        );
        const seconds = Number(answer.headers.get('retry-after') ?? NaN);
        if (Number.isFinite(seconds) && seconds >= 0) retryAfterMs = seconds * 1000;
        continue;
      }
      return answer;
    }
    const last = failure!;
    throw new UpstreamError(
      registry,
      last.code,
      endpoint,
      `${last.message} Gave up after ${retries + 1} attempt${retries === 0 ? '' : 's'}.`,
      { cause: last.cause, ...(last.status === undefined ? {} : { status: last.status }) },
    );
  }

  /** Throws the UpstreamError for an answer that is not a 200; `what` names the thing asked for. */
  function ensureOk(registry: UpstreamRegistry, answer: Answer, what: string, endpoint: string): void {
    if (answer.status === 200) return;
    if (answer.status === 404 || answer.status === 410) {
      throw new UpstreamError(registry, 'not-found', endpoint, `${what} does not exist (HTTP ${answer.status}).`, {
        status: answer.status,
      });
    }
    if (answer.status === 401 || answer.status === 403) {
      throw new UpstreamError(
        registry,
        'unauthorized',
        endpoint,
        `${endpoint} refused access (HTTP ${answer.status}): ${what} is private or needs credentials.`,
        { status: answer.status },
      );
    }
    throw new UpstreamError(registry, 'http-status', endpoint, `${endpoint} answered HTTP ${answer.status}.`, {
      status: answer.status,
    });
  }

  /** A 200 JSON body, or an UpstreamError naming what was missing. */
  function json(registry: UpstreamRegistry, answer: Answer, what: string, endpoint: string): unknown {
    ensureOk(registry, answer, what, endpoint);
    try {
      return JSON.parse(answer.body.toString('utf8')) as unknown;
    } catch (error) {
      throw new UpstreamError(registry, 'bad-response', endpoint, `${endpoint} answered with non-JSON.`, {
        cause: error,
      });
    }
  }

  async function npmPackage(name: string): Promise<NpmPackage> {
    if (!NPM_NAME.test(name)) {
      throw new UpstreamError('npm', 'invalid-name', undefined, `${JSON.stringify(name)} is not an npm package name.`);
    }
    // The registry takes a scoped name with its `/` encoded (`@scope%2fname`).
    const url = `${npmUrl}/${name.replace('/', '%2f')}`;
    const endpoint = `GET ${url}`;
    const body = json(
      'npm',
      await request('npm', 'GET', url, { accept: 'application/json' }),
      `npm package ${name}`,
      endpoint,
    );
    const bad = (problem: string) =>
      new UpstreamError(
        'npm',
        'bad-response',
        endpoint,
        `npm answered ${endpoint} with an unexpected shape: ${problem}.`,
      );
    if (!isObject(body) || !isObject(body.versions)) throw bad('no versions object');
    const versions: Record<string, NpmVersion> = {};
    for (const [version, doc] of Object.entries(body.versions)) {
      if (!isObject(doc)) continue;
      const dist = isObject(doc.dist) ? doc.dist : {};
      versions[version] = {
        version,
        ...(typeof dist.integrity === 'string' ? { integrity: dist.integrity } : {}),
        ...(typeof dist.shasum === 'string' ? { shasum: dist.shasum } : {}),
        ...(typeof dist.tarball === 'string' ? { tarball: dist.tarball } : {}),
        ...(typeof doc.deprecated === 'string' && doc.deprecated !== '' ? { deprecated: doc.deprecated } : {}),
      };
    }
    const tags = isObject(body['dist-tags']) ? body['dist-tags'] : {};
    const time: Record<string, string> = {};
    if (isObject(body.time)) for (const [k, v] of Object.entries(body.time)) if (typeof v === 'string') time[k] = v;
    const repository = npmRepository(body.repository);
    return {
      name: typeof body.name === 'string' ? body.name : name,
      latest: typeof tags.latest === 'string' ? tags.latest : undefined,
      ...(typeof body.description === 'string' ? { description: body.description } : {}),
      ...(repository ? { repository } : {}),
      versions,
      time,
    };
  }

  async function pypiProject(name: string): Promise<PypiProject> {
    if (!PYPI_NAME.test(name)) {
      throw new UpstreamError('pypi', 'invalid-name', undefined, `${JSON.stringify(name)} is not a PyPI project name.`);
    }
    const url = `${pypiUrl}/pypi/${encodeURIComponent(name)}/json`;
    const endpoint = `GET ${url}`;
    const body = json(
      'pypi',
      await request('pypi', 'GET', url, { accept: 'application/json' }),
      `PyPI project ${name}`,
      endpoint,
    );
    const bad = (problem: string) =>
      new UpstreamError(
        'pypi',
        'bad-response',
        endpoint,
        `PyPI answered ${endpoint} with an unexpected shape: ${problem}.`,
      );
    if (!isObject(body) || !isObject(body.info) || typeof body.info.version !== 'string') throw bad('no info.version');
    const files = (list: unknown): PypiFile[] =>
      Array.isArray(list) ? list.map(pypiFile).filter((f): f is PypiFile => f !== undefined) : [];
    const releases: Record<string, PypiFile[]> = {};
    if (isObject(body.releases)) for (const [v, list] of Object.entries(body.releases)) releases[v] = files(list);
    const projectUrls: Record<string, string> = {};
    if (isObject(body.info.project_urls)) {
      for (const [k, v] of Object.entries(body.info.project_urls)) if (typeof v === 'string') projectUrls[k] = v;
    }
    return {
      name: typeof body.info.name === 'string' ? body.info.name : name,
      version: body.info.version,
      ...(typeof body.info.summary === 'string' ? { summary: body.info.summary } : {}),
      projectUrls,
      releases,
      urls: files(body.urls),
    };
  }

  function ociBase(registry: string): string {
    const configured = options.ociUrls?.[registry];
    if (configured) return trim(configured);
    return registry === 'docker.io' ? 'https://registry-1.docker.io' : `https://${registry}`;
  }

  /**
   * A registry request with the token dance: an anonymous try, and on a 401 with a Bearer
   * challenge, a token from the realm for the scope it names, then the same request with it.
   */
  async function ociRequest(method: 'GET' | 'HEAD', url: string, accept: string): Promise<Answer> {
    const key = `${new URL(url).origin} ${scopeOf(url)}`;
    const cached = tokens.get(key);
    let answer = await request('oci', method, url, {
      accept,
      ...(cached ? { authorization: `Bearer ${cached}` } : {}),
    });
    if (answer.status !== 401) return answer;
    // No token yet, or the cached one expired: ask the realm the challenge names.
    tokens.delete(key);
    const challenge = parseChallenge(answer.headers.get('www-authenticate') ?? '');
    if (!challenge || challenge.scheme !== 'bearer' || !challenge.params.realm) return answer;
    const { realm, service, scope } = challenge.params;
    let tokenUrl: URL;
    try {
      tokenUrl = new URL(realm);
    } catch {
      throw new UpstreamError(
        'oci',
        'bad-response',
        `${method} ${url}`,
        `The registry sent the token realm ${realm}, which is not a URL.`,
      );
    }
    if (tokenUrl.protocol !== 'https:' && tokenUrl.origin !== new URL(url).origin) {
      // A plain-http realm on another host could be anyone on the path; only the registry itself
      // (a local mirror, a test) may use http.
      throw new UpstreamError(
        'oci',
        'bad-response',
        `${method} ${url}`,
        `The registry sent the token realm ${realm}, which is not https.`,
      );
    }
    if (service) tokenUrl.searchParams.set('service', service);
    if (scope) tokenUrl.searchParams.set('scope', scope);
    const endpoint = `GET ${tokenUrl.href}`;
    const body = json(
      'oci',
      await request('oci', 'GET', tokenUrl.href, { accept: 'application/json' }),
      `a token for ${scope ?? url}`,
      endpoint,
    );
    // Docker Hub answers `token`, some registries only `access_token` (token spec, "Token Response Fields").
    const token = isObject(body) ? (body.token ?? body.access_token) : undefined;
    if (typeof token !== 'string' || token === '') {
      throw new UpstreamError(
        'oci',
        'bad-response',
        endpoint,
        `The token service answered ${endpoint} without a token.`,
      );
    }
    tokens.set(key, token);
    return request('oci', method, url, { accept, authorization: `Bearer ${token}` });
  }

  function checkedReference(reference: OciReference): string {
    if (!OCI_REPOSITORY.test(reference.repository) || /[/@\s]/.test(reference.registry) || reference.registry === '') {
      throw new UpstreamError(
        'oci',
        'invalid-name',
        undefined,
        `${formatOciReference(reference)} is not an image reference.`,
      );
    }
    return `${ociBase(reference.registry)}/v2/${reference.repository}`;
  }

  async function ociTags(reference: OciReference): Promise<string[]> {
    const base = checkedReference(reference);
    const origin = new URL(base).origin;
    const tags: string[] = [];
    let url: string | undefined = `${base}/tags/list?n=1000`;
    for (let page = 1; url; page++) {
      if (page > maxPages) {
        throw new UpstreamError('oci', 'bad-response', `GET ${base}/tags/list`, `More than ${maxPages} pages of tags.`);
      }
      const endpoint = `GET ${url}`;
      const answer = await ociRequest('GET', url, 'application/json');
      const body = json('oci', answer, `image ${imageName(reference)}`, endpoint);
      if (!isObject(body) || !(Array.isArray(body.tags) || body.tags === null)) {
        throw new UpstreamError('oci', 'bad-response', endpoint, `${endpoint} answered without a tags array.`);
      }
      for (const tag of body.tags ?? []) if (typeof tag === 'string') tags.push(tag);
      const next = nextLink(answer.headers.get('link'), url);
      if (next && new URL(next).origin !== origin) {
        throw new UpstreamError(
          'oci',
          'bad-response',
          endpoint,
          `The registry linked the next page to ${new URL(next).origin}, outside ${origin}.`,
        );
      }
      url = next;
    }
    return tags;
  }

  async function ociDigest(reference: OciReference, tagOrDigest: string): Promise<string> {
    const base = checkedReference(reference);
    if (!OCI_TAG.test(tagOrDigest) && !OCI_DIGEST.test(tagOrDigest)) {
      throw new UpstreamError(
        'oci',
        'invalid-name',
        undefined,
        `${JSON.stringify(tagOrDigest)} is not a tag or digest.`,
      );
    }
    const url = `${base}/manifests/${tagOrDigest}`;
    const what = `${imageName(reference)}${OCI_DIGEST.test(tagOrDigest) ? '@' : ':'}${tagOrDigest}`;
    const head = await ociRequest('HEAD', url, MANIFEST_ACCEPT);
    ensureOk('oci', head, what, `HEAD ${url}`);
    const digest = head.headers.get('docker-content-digest');
    if (digest && OCI_DIGEST.test(digest)) return digest;
    // A registry that leaves the header out of HEAD: the digest is the sha256 of the manifest's bytes.
    const answer = await ociRequest('GET', url, MANIFEST_ACCEPT);
    ensureOk('oci', answer, what, `GET ${url}`);
    return `sha256:${createHash('sha256').update(answer.body).digest('hex')}`;
  }

  async function latestGitHubRelease(owner: string, repo: string): Promise<GitHubRelease> {
    if (!GITHUB_NAME.test(owner) || !GITHUB_NAME.test(repo)) {
      throw new UpstreamError('github', 'invalid-name', undefined, `${owner}/${repo} is not a GitHub repository name.`);
    }
    const url = `${githubApiUrl}/repos/${owner}/${repo}/releases/latest`;
    const endpoint = `GET ${url}`;
    const headers: Record<string, string> = {
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
    };
    if (options.githubToken) headers.authorization = `Bearer ${options.githubToken}`;
    const body = json(
      'github',
      await request('github', 'GET', url, headers),
      `a release of ${owner}/${repo}`,
      endpoint,
    );
    if (!isObject(body) || typeof body.tag_name !== 'string' || !Array.isArray(body.assets)) {
      throw new UpstreamError(
        'github',
        'bad-response',
        endpoint,
        `GitHub answered ${endpoint} without tag_name and assets.`,
      );
    }
    const assets: GitHubReleaseAsset[] = [];
    for (const asset of body.assets) {
      if (isObject(asset) && typeof asset.name === 'string' && typeof asset.browser_download_url === 'string') {
        assets.push({ name: asset.name, url: asset.browser_download_url, size: Number(asset.size) || 0 });
      }
    }
    return {
      tag: body.tag_name,
      name: typeof body.name === 'string' ? body.name : undefined,
      htmlUrl: typeof body.html_url === 'string' ? body.html_url : undefined,
      publishedAt: typeof body.published_at === 'string' ? body.published_at : undefined,
      assets,
    };
  }

  return { npmPackage, pypiProject, ociTags, ociDigest, latestGitHubRelease };
}

/** The body, refused once it passes the cap (a declared length over it is refused before reading). */
async function readCapped(
  response: Response,
  maxBytes: number,
  registry: UpstreamRegistry,
  endpoint: string,
): Promise<Buffer> {
  const tooLarge = () =>
    new UpstreamError(registry, 'too-large', endpoint, `${endpoint} answered with more than ${maxBytes} bytes.`);
  if (Number(response.headers.get('content-length')) > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes) {
      await response.body.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

function npmRepository(value: unknown): NpmPackage['repository'] {
  // npm allows the shorthand string form ("github:user/repo", "user/repo") as well as the object.
  if (typeof value === 'string') return { url: value };
  if (!isObject(value)) return undefined;
  const out: NonNullable<NpmPackage['repository']> = {};
  if (typeof value.type === 'string') out.type = value.type;
  if (typeof value.url === 'string') out.url = value.url;
  if (typeof value.directory === 'string') out.directory = value.directory;
  return out;
}

function pypiFile(value: unknown): PypiFile | undefined {
  if (!isObject(value) || typeof value.filename !== 'string' || typeof value.url !== 'string') return undefined;
  const sha256 = isObject(value.digests) ? value.digests.sha256 : undefined;
  if (typeof sha256 !== 'string' || !/^[a-f0-9]{64}$/.test(sha256)) return undefined;
  return {
    filename: value.filename,
    url: value.url,
    sha256,
    packagetype: typeof value.packagetype === 'string' ? value.packagetype : '',
    yanked: value.yanked === true,
  };
}

/** The scope a registry URL needs: `repository:<name>:pull`. */
function scopeOf(url: string): string {
  const match = /\/v2\/(.+?)\/(?:tags|manifests|blobs)\//.exec(new URL(url).pathname);
  return match ? `repository:${match[1]}:pull` : '';
}

/**
 * RFC 7235 challenge: `Bearer realm="…",service="…",scope="…"`. Quoted values may hold commas
 * (a scope list); only the first challenge is read.
 */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } | undefined {
  const match = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s+(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const re = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?/gy;
  const rest = match[2]!;
  let m: RegExpExecArray | null;
  while (re.lastIndex < rest.length && (m = re.exec(rest))) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
  }
  return { scheme: match[1]!.toLowerCase(), params };
}

/** The `rel="next"` target of a `Link` header (RFC 8288), resolved against the request URL. */
function nextLink(header: string | null, base: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match && /(^|;)\s*rel="?next"?\s*(;|$)/i.test(match[2]!)) return new URL(match[1]!, base).href;
  }
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
