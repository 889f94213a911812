/**
 * Local doubles of the upstream registries on one 127.0.0.1 HTTP server, each under its own prefix
 * and speaking the real shapes, for `pipeline/adapters/upstream-registries.ts` and the bots:
 * - `/npm`: the npm registry's package document (`GET /<name>`, scoped names as `@scope%2fname`),
 *   with `dist-tags`, `versions[v].dist.{integrity,shasum,tarball}`, `time`, `repository`, and
 *   npm's 404 `{"error":"Not found"}`;
 * - `/pypi`: PyPI's JSON API (`GET /pypi/<name>/json`), with `info`, `releases`, `urls[].digests`,
 *   a 301 to the normalised name (PEP 503) as pypi.org redirects, and 404 `{"message":"Not Found"}`;
 * - `/oci`: an OCI distribution registry (`/v2/<name>/tags/list`, `HEAD|GET /v2/<name>/manifests/<ref>`)
 *   that answers 401 with `WWW-Authenticate: Bearer realm=…,service=…,scope=…` until the request
 *   carries a token from its `/oci/token` realm (as Docker Hub and GHCR do), pages tags with `n`,
 *   `last` and a `Link: <…>; rel="next"` header, and answers `NAME_UNKNOWN` / `MANIFEST_UNKNOWN`;
 * - `/github`: `GET /repos/{owner}/{repo}/releases/latest`, GitHub's release JSON, 404 when there is
 *   no non-draft, non-prerelease release.
 * The data objects passed in are read on every request, so a test changes upstream by mutating them.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeNpmVersion {
  version: string;
  tarball?: string;
  integrity?: string;
  shasum?: string;
  deprecated?: string;
  time?: string;
}

export interface FakeNpmPackage {
  name: string;
  description?: string;
  repository?: { type: string; url: string };
  /** `dist-tags.latest`; default the last version listed. */
  latest?: string;
  versions: FakeNpmVersion[];
}

export interface FakePypiFile {
  filename: string;
  url: string;
  sha256: string;
  packagetype?: string;
  yanked?: boolean;
}

export interface FakePypiProject {
  name: string;
  /** `info.version`. */
  version: string;
  summary?: string;
  releases: Record<string, FakePypiFile[]>;
}

export interface FakeOciRepository {
  /** Repository name as the registry knows it, e.g. `domdomegg/airtable-mcp-server` or `library/alpine`. */
  name: string;
  /** Manifest body (its bytes define the digest) by tag. */
  tags: Record<string, string>;
}

export interface FakeGitHubRelease {
  tag: string;
  draft?: boolean;
  prerelease?: boolean;
  assets: { name: string; url: string; size?: number }[];
}

export interface FakeGitHubRepository {
  fullName: string;
  /** Newest first, as GitHub lists them. */
  releases: FakeGitHubRelease[];
}

export interface UpstreamRegistriesServerOptions {
  npm?: FakeNpmPackage[];
  pypi?: FakePypiProject[];
  oci?: FakeOciRepository[];
  github?: FakeGitHubRepository[];
  /** Largest page of tags the registry serves, whatever `n` asks. Default 2, so that paging is exercised. */
  ociPageSize?: number;
  /** Leave `Docker-Content-Digest` out of manifest HEAD answers, as a few registries do. */
  ociOmitDigestHeader?: boolean;
}

export interface UpstreamRecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  status: number;
}

export interface UpstreamRegistriesTestServer {
  url: string;
  npmUrl: string;
  pypiUrl: string;
  githubApiUrl: string;
  /** Base URL of the OCI registry: map a registry host to it (`ociUrls: {"docker.io": ociUrl}`). */
  ociUrl: string;
  requests: UpstreamRecordedRequest[];
  /** The next `count` requests get `status` (default 503) instead of an answer. */
  fail(count: number, status?: number, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

/** A small image manifest (OCI image manifest v1) whose digest changes with `seed`. */
export function ociManifest(seed: string): string {
  const digest = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest(`config ${seed}`), size: 1469 },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digest(`layer ${seed}`), size: 3623807 },
    ],
  });
}

export function digestOf(manifest: string): string {
  return `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
}

const CREATED = '2026-01-10T09:00:00.000Z';
const pep503 = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');

export async function startUpstreamRegistriesServer(
  options: UpstreamRegistriesServerOptions,
): Promise<UpstreamRegistriesTestServer> {
  const requests: UpstreamRecordedRequest[] = [];
  const faults: { remaining: number; status: number; headers: Record<string, string> }[] = [];
  let base = '';
  const pageSize = options.ociPageSize ?? 2;

  const send = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
    head = false,
  ) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(head ? undefined : text);
  };

  function npm(path: string, res: ServerResponse) {
    const name = decodeURIComponent(path.slice(1));
    const pkg = options.npm?.find((p) => p.name === name);
    if (!pkg) return send(res, 404, { error: 'Not found' });
    const versions = Object.fromEntries(
      pkg.versions.map((v) => [
        v.version,
        {
          name: pkg.name,
          version: v.version,
          description: pkg.description,
          ...(v.deprecated ? { deprecated: v.deprecated } : {}),
          dist: {
            ...(v.integrity ? { integrity: v.integrity } : {}),
            shasum: v.shasum ?? createHash('sha1').update(`${pkg.name}@${v.version}`).digest('hex'),
            tarball:
              v.tarball ?? `https://registry.npmjs.org/${pkg.name}/-/${pkg.name.split('/').pop()}-${v.version}.tgz`,
          },
        },
      ]),
    );
    const time: Record<string, string> = { created: CREATED, modified: CREATED };
    for (const v of pkg.versions) time[v.version] = v.time ?? CREATED;
    return send(res, 200, {
      _id: pkg.name,
      name: pkg.name,
      description: pkg.description,
      'dist-tags': { latest: pkg.latest ?? pkg.versions.at(-1)?.version },
      versions,
      time,
      ...(pkg.repository ? { repository: pkg.repository } : {}),
      license: 'MIT',
    });
  }

  function pypi(path: string, res: ServerResponse) {
    const match = /^\/pypi\/([^/]+)\/json$/.exec(path);
    if (!match) return send(res, 404, { message: 'Not Found' });
    const asked = decodeURIComponent(match[1]!);
    const project = options.pypi?.find((p) => pep503(p.name) === pep503(asked));
    if (!project) return send(res, 404, { message: 'Not Found' });
    if (asked !== pep503(project.name)) {
      return send(res, 301, '', { location: `${base}/pypi/pypi/${pep503(project.name)}/json` });
    }
    const file = (f: FakePypiFile) => ({
      filename: f.filename,
      url: f.url,
      packagetype: f.packagetype ?? (f.filename.endsWith('.whl') ? 'bdist_wheel' : 'sdist'),
      digests: { sha256: f.sha256, md5: createHash('md5').update(f.sha256).digest('hex') },
      size: 1234,
      upload_time_iso_8601: CREATED,
      yanked: f.yanked ?? false,
      yanked_reason: null,
    });
    return send(res, 200, {
      info: {
        name: project.name,
        version: project.version,
        summary: project.summary ?? null,
        project_urls: { Source: `https://github.com/example/${project.name}` },
      },
      last_serial: 1,
      releases: Object.fromEntries(Object.entries(project.releases).map(([v, files]) => [v, files.map(file)])),
      urls: (project.releases[project.version] ?? []).map(file),
      vulnerabilities: [],
    });
  }

  function oci(path: string, query: URLSearchParams, req: IncomingMessage, res: ServerResponse) {
    const head = req.method === 'HEAD';
    if (path === '/token') {
      const scope = query.get('scope') ?? '';
      const token = `tok.${Buffer.from(scope).toString('base64url')}`;
      return send(res, 200, { token, access_token: token, expires_in: 300, issued_at: CREATED });
    }
    const match = /^\/v2\/(.+)\/(tags\/list|manifests\/([^/]+))$/.exec(path);
    if (path === '/v2/' || !match) return send(res, 404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
    const name = match[1]!;
    const scope = `repository:${name}:pull`;
    const expected = `Bearer tok.${Buffer.from(scope).toString('base64url')}`;
    if (req.headers.authorization !== expected) {
      return send(
        res,
        401,
        {
          errors: [
            {
              code: 'UNAUTHORIZED',
              message: 'authentication required',
              detail: [{ Type: 'repository', Name: name, Action: 'pull' }],
            },
          ],
        },
        { 'www-authenticate': `Bearer realm="${base}/oci/token",service="fake-registry",scope="${scope}"` },
        head,
      );
    }
    const repository = options.oci?.find((r) => r.name === name);
    if (!repository) {
      return send(
        res,
        404,
        { errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] },
        {},
        head,
      );
    }
    if (match[2] === 'tags/list') {
      const all = Object.keys(repository.tags).sort();
      const n = Math.min(Number(query.get('n') ?? pageSize) || pageSize, pageSize);
      const last = query.get('last');
      const start = last === null ? 0 : all.findIndex((t) => t > last);
      const page = start < 0 ? [] : all.slice(start, start + n);
      const more = start >= 0 && start + n < all.length;
      const link: Record<string, string> = more
        ? { link: `</oci/v2/${name}/tags/list?n=${n}&last=${encodeURIComponent(page.at(-1)!)}>; rel="next"` }
        : {};
      return send(res, 200, { name, tags: page }, link, head);
    }
    const reference = decodeURIComponent(match[3]!);
    const manifest = reference.startsWith('sha256:')
      ? Object.values(repository.tags).find((m) => digestOf(m) === reference)
      : repository.tags[reference];
    if (manifest === undefined) {
      return send(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }, {}, head);
    }
    return send(
      res,
      200,
      manifest,
      {
        'content-type': 'application/vnd.oci.image.manifest.v1+json',
        ...(options.ociOmitDigestHeader ? {} : { 'docker-content-digest': digestOf(manifest) }),
      },
      head,
    );
  }

  function github(path: string, res: ServerResponse) {
    const match = /^\/repos\/([^/]+)\/([^/]+)\/releases\/latest$/.exec(path);
    const notFound = { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' };
    if (!match) return send(res, 404, notFound);
    const fullName = `${match[1]}/${match[2]}`.toLowerCase();
    const repository = options.github?.find((r) => r.fullName.toLowerCase() === fullName);
    const index = repository?.releases.findIndex((r) => !r.draft && !r.prerelease) ?? -1;
    const release = index >= 0 ? repository!.releases[index]! : undefined;
    if (!repository || !release) return send(res, 404, notFound);
    const id = 1000 + index;
    return send(res, 200, {
      url: `${base}/github/repos/${repository.fullName}/releases/${id}`,
      html_url: `https://github.com/${repository.fullName}/releases/tag/${release.tag}`,
      id,
      tag_name: release.tag,
      target_commitish: 'main',
      name: release.tag,
      body: `Release notes of ${release.tag}.`,
      draft: false,
      prerelease: false,
      created_at: CREATED,
      published_at: CREATED,
      assets: release.assets.map((asset, a) => ({
        url: `${base}/github/repos/${repository.fullName}/releases/assets/${id * 100 + a}`,
        browser_download_url: asset.url,
        id: id * 100 + a,
        name: asset.name,
        label: '',
        state: 'uploaded',
        content_type: asset.name.endsWith('.mcpb') ? 'application/zip' : 'application/octet-stream',
        size: asset.size ?? 4096,
        download_count: 7,
        created_at: CREATED,
        updated_at: CREATED,
      })),
    });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    const record = (status: number) =>
      requests.push({
        method: req.method ?? 'GET',
        path: `${url.pathname}${url.search}`,
        authorization: req.headers.authorization,
        status,
      });
    res.on('finish', () => record(res.statusCode));
    const fault = faults[0];
    if (fault) {
      if (--fault.remaining <= 0) faults.shift();
      return send(res, fault.status, { message: 'fault' }, fault.headers);
    }
    const [, prefix = '', ...rest] = url.pathname.split('/');
    const path = `/${rest.join('/')}`;
    if (prefix === 'npm') return npm(path, res);
    if (prefix === 'pypi') return pypi(path, res);
    if (prefix === 'oci') return oci(path, url.searchParams, req, res);
    if (prefix === 'github') return github(path, res);
    send(res, 404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    npmUrl: `${base}/npm`,
    pypiUrl: `${base}/pypi`,
    githubApiUrl: `${base}/github`,
    ociUrl: `${base}/oci`,
    requests,
    fail(count, status = 503, headers = {}) {
      faults.push({ remaining: count, status, headers });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
