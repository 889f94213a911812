/**
 * `catalog reverify [--root DIR] [--dry-run] [--json]`: nightly re-verification (sync.yml).
 * Fetches every artifact a listing pins by digest again (planner: `pipeline/stages/reverify.ts`):
 * bundles and npm tarballs are downloaded through artifact-fetch.ts with no expected sha256, so
 * its cache is bypassed and the bytes are hashed as they arrive; PyPI digests and OCI manifest
 * digests are read from the registries. A mismatch opens a pull request that yanks the version,
 * and an issue per artifact.
 *
 * Environment: as `update-bot` (GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL, and the
 * CATALOG_* registry URLs).
 *
 * Exit codes: 0 everything that could be fetched matched; 1 a mismatch was found (and, unless
 * --dry-run, its pull request and issue exist); 2 the command could not run or GitHub refused a write.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { eq as pep440Eq, explain as pep440Explain } from '@renovatebot/pep440';
import { fetchArtifact } from '../adapters/artifact-fetch.ts';
import { fsCatalogReader } from '../adapters/catalog-fs.ts';
import { UpstreamError, type UpstreamRegistries } from '../adapters/upstream-registries.ts';
import { mapLimit } from '../core/concurrency.ts';
import { loadCatalog } from '../stages/load.ts';
import { planReverify, reverifyPins, type Fresh, type Pin } from '../stages/reverify.ts';
import { UsageError, type CommandResult } from './args.ts';
import { applyPlanned, extraCa, repositoryFromEnv, upstreamFromEnv } from './github-env.ts';
import { outcome } from './update-bot.ts';

export const USAGE = `  reverify [--root DIR] [--dry-run] [--json]
      Download every pinned artifact again (mcpb bundles, npm tarballs; PyPI and OCI digests) and
      compare its digest with the listing's. A mismatch opens a pull request that yanks the
      version in status.json, and an issue. Exit 1 on a mismatch. Needs GITHUB_TOKEN and
      GITHUB_REPOSITORY unless --dry-run.`;

export async function reverifyCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { root: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const dryRun = values['dry-run'] ?? false;
  const root = resolve(values.root ?? '.');
  const repo = repositoryFromEnv(env, dryRun, 'reverify');
  const upstream = upstreamFromEnv(env);
  const ca = extraCa(env);

  const catalog = await loadCatalog({ reader: fsCatalogReader(root) });
  const pins = reverifyPins(catalog);
  // Downloads go to a directory of their own, removed afterwards: bytes that may have been
  // tampered with must not land in the build's content-addressed cache.
  const scratch = await mkdtemp(join(tmpdir(), 'mcp-catalog-reverify-'));
  let fresh: Map<string, Fresh>;
  try {
    const answers = await mapLimit(pins, 4, async (pin) => [pin.key, await check(pin, upstream, scratch, ca)] as const);
    fresh = new Map(answers);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const plan = planReverify({ catalog, pins, fresh });

  const { results, failure } = await applyPlanned(repo, plan.actions, dryRun);
  const brief = (pin: Pin) => ({
    key: pin.key,
    file: pin.file,
    path: `/packages/${pin.index}`,
    identifier: pin.identifier,
  });
  const report = {
    dryRun,
    checked: pins.length,
    matched: plan.matched.length,
    mismatches: plan.mismatches.map((m) => ({ ...brief(m.pin), recorded: m.pin.recorded, observed: m.observed })),
    failures: plan.failures.map((f) => ({ ...brief(f.pin), code: f.code, message: f.message })),
    results: results.map((r) => ({
      kind: r.action.kind,
      ...(r.action.kind === 'pull-request' ? { branch: r.action.branch } : {}),
      ...(r.action.kind === 'issue' ? { marker: r.action.marker } : {}),
      outcome: r.outcome,
      ...(r.number === undefined ? {} : { number: r.number }),
      ...(r.url === undefined ? {} : { url: r.url }),
    })),
    ...(failure ? { error: { code: failure.code, endpoint: failure.endpoint, message: failure.message } } : {}),
  };
  const stdout = values.json
    ? JSON.stringify(report, null, 2)
    : [
        ...report.mismatches.map(
          (m) => `MISMATCH ${m.key}: recorded ${m.recorded}, now ${m.observed.join(', ') || 'nothing'}`,
        ),
        ...report.failures.map((f) => `not checked ${f.key}: ${f.code}: ${f.message}`),
        ...report.results.map(
          (r) => `${r.kind} ${r.outcome}${r.number ? ` #${r.number}` : ''}${r.url ? ` ${r.url}` : ''}`,
        ),
        ...(report.error ? [`error: ${report.error.code}: ${report.error.message}`] : []),
        `${report.checked} pinned artifacts: ${report.matched} match, ${report.mismatches.length} changed, ${report.failures.length} could not be fetched.`,
      ].join('\n');
  return { stdout, exitCode: failure ? 2 : plan.mismatches.length > 0 ? 1 : 0 };
}

/** What upstream serves now for one pin. */
async function check(pin: Pin, upstream: UpstreamRegistries, scratch: string, ca: string | undefined): Promise<Fresh> {
  const download = (url: string) =>
    outcome(async () => {
      const fetched = await fetchArtifact(url, undefined, { cacheDir: scratch, retries: 2, ...(ca ? { ca } : {}) });
      await rm(fetched.path, { force: true });
      return [fetched.sha256];
    });
  switch (pin.kind) {
    case 'mcpb':
      return download(pin.url);
    case 'npm': {
      const doc = await outcome(() => upstream.npmPackage(pin.name));
      if (!doc.ok) return doc;
      const tarball = doc.value.versions[pin.packageVersion]?.tarball;
      if (!tarball) return missing('npm', `${pin.name}@${pin.packageVersion}`);
      return download(tarball);
    }
    case 'pypi': {
      const project = await outcome(() => upstream.pypiProject(pin.name));
      if (!project.ok) return project;
      const release = Object.entries(project.value.releases).find(
        ([v]) =>
          v === pin.packageVersion ||
          (pep440Explain(v) !== null && pep440Explain(pin.packageVersion) !== null && pep440Eq(v, pin.packageVersion)),
      );
      if (!release || release[1].length === 0) return missing('pypi', `${pin.name} ${pin.packageVersion}`);
      return { ok: true, value: release[1].map((f) => f.sha256) };
    }
    case 'oci': {
      // By digest, not by tag: the installer pulls `image@sha256:…`, so a re-pushed tag changes
      // nothing it installs; what matters is that the registry still serves those bytes under that digest.
      const digest = await outcome(() => upstream.ociDigest(pin.reference, pin.recorded));
      return digest.ok ? { ok: true, value: [digest.value] } : digest;
    }
  }
}

/** A version the registry no longer lists: reported as not found, which is not a mismatch. */
function missing(registry: 'npm' | 'pypi', what: string): Fresh {
  const error = new UpstreamError(registry, 'not-found', undefined, `${what} is no longer listed by ${registry}.`);
  return { ok: false, code: error.code, message: error.message };
}
