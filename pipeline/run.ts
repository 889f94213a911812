/**
 * `npm run build [-- --root DIR --out DIR]`: the pipeline, stage by stage (design.md, "Stages"):
 * load → validate → fetch → inspect and scan → hash and sign → stats → emit, into dist/.
 * Then the site (site/build.ts renders the pages with Astro) and the installer bundle.
 *
 * Between validate and fetch, the merge sources of catalog.config.json (other catalogs, registry
 * APIs: docs/sources.md) are read, verified and validated, and their servers merged in; from there
 * on they are built exactly like the catalog's own listings.
 *
 * Every expensive result is cached by content hash (.cache/): an unchanged catalog downloads,
 * scans and signs nothing. Network: OSV, release-asset downloads and merge sources unless
 * `--offline`; stats only with `--stats` (publish.yml and sync.yml pass it; a local build keeps
 * the last values).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileCache, sourceDigest } from './adapters/build-cache.ts';
import { fsCatalogReader } from './adapters/catalog-fs.ts';
import { atomicWrite, writeDist } from './adapters/dist-writer.ts';
import { firstAddedTimes } from './adapters/git.ts';
import { createGitHubClient, fileEtagCache } from './adapters/github.ts';
import { loadTrustedCertificates } from './adapters/mcpb-signature-file.ts';
import { createNpmDownloadsClient } from './adapters/npm-downloads.ts';
import { createOsvClient, failFast } from './adapters/osv.ts';
import { readPreviousIndex } from './adapters/previous-index.ts';
import { refreshSources } from './adapters/source-cache.ts';
import { statusChangedTimes } from './adapters/status-times.ts';
import { resolveSigning, type SigningMode } from './commands/signing.ts';
import { configuredSources, resolveConfig } from './core/config.ts';
import { hasErrors } from './core/issues.ts';
import { annotate, formatIssue } from './core/report.ts';
import type { CatalogConfig } from './core/schema-types.gen.ts';
import { registryApiPlan, vscodeGaps } from './emit/registry-api.ts';
import { bundleTargets } from './stages/bundle-issues.ts';
import { emitCatalog, samePublication, signIndex } from './stages/emit.ts';
import { fetchArtifacts } from './stages/fetch.ts';
import { loadCatalog } from './stages/load.ts';
import { buildModel } from './stages/model.ts';
import { attestArtifacts } from './stages/attest.ts';
import { declaredToolsByServer, scanArtifacts, SCANNER_SOURCES } from './stages/scan-artifacts.ts';
import { mergeSources, prepareSource, sourceConfigIssues, withSources } from './stages/sources.ts';
import { fetchStats, previousStats } from './stages/stats.ts';
import { statsTargets } from './stages/stats-targets.ts';
import { validateCatalog } from './stages/validate.ts';
import { repositoryName, requireRepository } from './commands/github-env.ts';
import { listReviewThreads } from './commands/review-threads.ts';
import { indexSignatureHolds, verifyDist } from './commands/verify-dist.ts';
import { buildInstaller } from '../installer/build.ts';

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    out: { type: 'string' },
    offline: { type: 'boolean' },
    stats: { type: 'boolean' },
    'osv-url': { type: 'string' },
    previous: { type: 'string' },
    signing: { type: 'string' },
    'expires-days': { type: 'string' },
    // --no-site: the data only, without the installer and the pages (the pipeline's own tests).
    site: { type: 'boolean', default: true },
  },
  allowNegative: true,
});
const root = resolve(values.root ?? '.');
const out = resolve(values.out ?? join(root, 'dist'));
const offline = values.offline ?? false;
// Bad flags fail before any work is done.
const SIGNING_MODES: readonly SigningMode[] = ['dev', 'key', 'keyless'];
if (values.signing !== undefined && !SIGNING_MODES.includes(values.signing as SigningMode))
  throw new Error(`--signing ${values.signing}: use one of ${SIGNING_MODES.join(', ')}.`);
const signingMode = values.signing as SigningMode | undefined;
const validityDays = Number(values['expires-days'] ?? 14);
if (!(validityDays > 0)) throw new Error(`--expires-days ${values['expires-days']}: give a positive number of days.`);
const validityMs = validityDays * 86_400_000;
const now = new Date();
const log = (message: string) => console.log(message);
const started = performance.now();
const step = (name: string) => log(`${name.padEnd(9)} ${((performance.now() - started) / 1000).toFixed(1)} s`);

// 1–2. load and validate. A catalog with errors publishes nothing: the last good dist/ stays.
const loaded = await loadCatalog({ reader: fsCatalogReader(root) });
const validated = validateCatalog({ catalog: loaded });
const { checked } = validated;
const config = resolveConfig(loaded.config?.json?.value as CatalogConfig | undefined);
const issues = [...validated.issues, ...sourceConfigIssues(config)];
await atomicWrite(join(out, 'validation-report.json'), JSON.stringify({ issues, checked }, null, 2) + '\n');
if (process.env.GITHUB_ACTIONS === 'true') annotate(issues);
for (const issue of issues) console.error(formatIssue(issue));
step(`validate: ${checked} files, ${issues.length} issues;`);
if (hasErrors(issues)) {
  console.error(
    'The catalog has errors; nothing was published. Fix them (npm run catalog -- validate) and build again.',
  );
  process.exit(1);
}
/** Bound into every statement, so a statement from one catalog does not pass in a fork. */
const catalogName = config.baseUrl ?? config.name;

// The index published last time: serial, publishedAt and the stats fallback continue from it.
const previous = await readPreviousIndex(values.previous ?? join(out, 'index.json'));
if (previous.kind === 'unusable')
  log(`previous index at ${previous.from} is unusable (${previous.problem}); starting afresh`);
const previousIndex = previous.kind === 'found' ? previous.index : undefined;

// 2b. sources: each verified (a catalog's signature, pinned in the config) and validated like a
// pull request, then merged: the catalog's own listings win, then priority. A source that is down
// keeps its last good copy (.cache/sources/) and is flagged, here and in the index.
const refreshed = await refreshSources(configuredSources(config), {
  root,
  cacheDir: join(root, '.cache/sources'),
  now,
  offline,
  ...(previousIndex ? { previous: previousIndex } : {}),
  categories: new Set(config.categories.map((c) => c.id)),
});
const prepared = refreshed.map((r) => prepareSource(r.source, r.servers, loaded.config));
const merged = mergeSources(loaded, prepared);
for (const [i, { source, note, report }] of refreshed.entries()) {
  log(`source: ${source.name}: ${note}`);
  const left = new Map<string, number>();
  for (const issue of prepared[i]!.issues) left.set(issue.code, (left.get(issue.code) ?? 0) + 1);
  const offered = merged.offered.get(source.name) ?? 0;
  const won = [...merged.origins.values()].filter((o) => o.origin === source.name).length;
  log(
    `source: ${source.name}: ${offered} servers offered, ${won} merged` +
      (left.size > 0 ? `; left out: ${[...left].map(([code, n]) => `${code} ×${n}`).join(', ')}` : ''),
  );
  if (report.stale && process.env.GITHUB_ACTIONS === 'true')
    annotate([
      {
        code: report.stale.code ?? 'source-stale',
        severity: 'warning',
        file: 'catalog.config.json',
        path: `/sources/${source.position}`,
        message: `stale since ${report.stale.since}: ${report.stale.reason}`,
      },
    ]);
}
const catalog = withSources(loaded, merged);
if (refreshed.length > 0)
  step(`sources: ${refreshed.length} read, ${refreshed.filter((r) => r.report.stale).length} stale;`);

// 3. fetch: every mcpb package's bytes, from the catalog or the download cache.
const targets = bundleTargets(catalog);
const fetched = await fetchArtifacts({ targets, root, download: { offline } });
for (const [target, outcome] of fetched)
  if (outcome.kind === 'unavailable') log(`unavailable: ${target.file} packages[${target.index}]: ${outcome.message}`);
step(`fetch: ${targets.length} bundles;`);

// 4–5. inspect and scan, cached by the bytes, the scanner's code and the listing facts.
const trustedPaths = config.trustedPublishers.map((path) => resolve(root, path));
const scanned = await scanArtifacts({
  fetched,
  declaredTools: declaredToolsByServer(catalog.files),
  osv: offline ? undefined : failFast(createOsvClient(values['osv-url'] ? { baseUrl: values['osv-url'] } : {})),
  trusted: await loadTrustedCertificates(trustedPaths),
  cache: fileCache(join(root, '.cache/build/scans')),
  scannerDigest: await sourceDigest(join(import.meta.dirname, '..'), SCANNER_SOURCES),
  now,
});
const cachedScans = [...scanned.values()].filter((s) => s.cached).length;
step(`scan: ${scanned.size - cachedScans} scanned, ${cachedScans} cached;`);

// 6. hash and sign every verified artifact.
const signing = await resolveSigning(config, root, signingMode);
log(signing.note);
// The registry API needs absolute links: a published catalog without baseUrl fails here, a local
// (dev-signed) build leaves the API out and says so.
const registryApi = registryApiPlan(config.baseUrl, signing.mode !== 'dev');
if ('error' in registryApi) {
  console.error(registryApi.error);
  process.exit(1);
}
if ('warning' in registryApi) log(registryApi.warning);
const attested = await attestArtifacts({
  targets,
  fetched,
  scanned,
  signer: signing.signer,
  cache: fileCache(join(root, '.cache/build/attestations')),
  catalogName,
});
step(`sign: ${attested.signed} signed, ${attested.reused} reused;`);

// 7. stats, with the last published value wherever a source fails.
const etags = fileEtagCache(join(root, '.cache/github-etags.json'));
if (values.stats) await etags.load();
// Helpful votes are reactions on this repository's review threads: counted where the build runs
// in the catalog's own repository (GITHUB_REPOSITORY and GITHUB_TOKEN, as in publish.yml).
const reviewRepo =
  values.stats && repositoryName(process.env) && process.env.GITHUB_TOKEN
    ? requireRepository(process.env, 'build')
    : undefined;
if (values.stats && !reviewRepo)
  log('stats: review votes not counted (no GITHUB_REPOSITORY and GITHUB_TOKEN); last counts kept');
const stats = await fetchStats({
  servers: statsTargets(catalog),
  previous: previousStats(previousIndex),
  sources: values.stats
    ? {
        github: createGitHubClient({
          etagCache: etags,
          ...(process.env.GITHUB_TOKEN ? { token: process.env.GITHUB_TOKEN } : {}),
        }),
        npm: createNpmDownloadsClient(),
        ...(reviewRepo ? { reviewThreads: () => listReviewThreads(reviewRepo) } : {}),
      }
    : {},
  now,
});
if (values.stats) await etags.save();
const kept = stats.notes.filter((n) => n.kind === 'kept-previous').length;
if (values.stats) for (const note of stats.notes) log(`stats: ${note.server} ${note.metric}: ${note.message}`);
step(
  values.stats
    ? `stats: ${stats.notes.length} figures not refreshed (${kept} kept from the last index);`
    : 'stats: off (pass --stats); last published figures kept;',
);

// 8. emit: the model, then every file, then index.json last and signed.
const model = buildModel({
  catalog,
  config,
  targets,
  artifacts: attested.facts,
  stats: stats.stats,
  previous: previousIndex,
  // Listings and reviews: when each file entered the catalog, or its source.
  addedAt: new Map([...(await firstAddedTimes(root, 'catalog')), ...merged.publishedAt]),
  now,
  validityMs,
  origins: merged.origins,
  sources: refreshed.map((r) => r.report),
});
// An index that publishes what the previous one did, is far from expiry, and is signed by today's
// signer, stands as it is: nothing is re-signed. Otherwise index.json gets a new serial and expiry
// and a new signature (a changed key must not leave an index that no longer verifies).
const previousSignature = join(out, 'index.json.sigstore.json');
const policy = await signing.policy();
const keep =
  previousIndex !== undefined &&
  previous.from === join(out, 'index.json') &&
  samePublication(previousIndex, model.index) &&
  Date.parse(previousIndex.expires) - now.getTime() > validityMs / 2 &&
  existsSync(previousSignature) &&
  (await indexSignatureHolds(out, policy));
if (keep) model.index = previousIndex;
if (registryApi.emit)
  for (const gap of vscodeGaps(model))
    log(`vscode: ${gap.name}@${gap.version} cannot be installed from VS Code: ${gap.reason}`);
const files = emitCatalog(model, config.baseUrl, attested.files, {
  emit: registryApi.emit,
  statusChangedAt: await statusChangedTimes(root),
  literalEncodedNames: config.registryApi?.literalEncodedNames ?? false,
});
const written = await writeDist(out, files, attested.copies);
step(`emit: ${files.length + attested.copies.length} files, ${written.written} written, ${written.removed} removed;`);
if (signing.publicKeyPem) await atomicWrite(join(out, 'signing-key.pub.pem'), signing.publicKeyPem);
if (keep) {
  log(`index.json unchanged since serial ${model.index.serial}: kept with its signature`);
} else {
  const index = await signIndex(model.index, signing.signer, catalogName);
  await atomicWrite(previousSignature, index.bundle);
  await atomicWrite(join(out, 'index.json'), index.bytes);
}

// Check the built output, not just the build: signatures, digests, schema and counts.
const problems = await verifyDist(out, policy, { catalog, changed: new Set(written.paths) });
for (const problem of problems) console.error(`dist check: ${problem}`);
step(`verify: ${problems.length} problems;`);

// 9. the installer, pinned to this build's signing identity, and the site's pages, rendered from
// what was just emitted and checked (installer/build.ts, site/build.ts).
if (values.site && problems.length === 0) {
  const installer = await buildInstaller({ root, out, signing: signing.mode });
  step(
    `installer: ${installer.file} (${Math.round(installer.bytes / 1024)} KiB), pins ${installer.info.identity.mode};`,
  );
  const { buildSite } = await import('../site/build.ts');
  await buildSite({ root, dist: out, config, log, emitted: { index: model.index, records: model.records } });
  step('site:');
}
for (const { source, report } of refreshed)
  if (report.stale)
    console.error(
      `source ${source.name} is stale since ${report.stale.since}; its servers are the copy of ${report.lastGoodAt ?? 'never (none)'}`,
    );
log(`${model.index.servers.length} servers, serial ${model.index.serial}, expires ${model.index.expires}: ${out}`);
process.exitCode = problems.length > 0 ? 1 : 0;
