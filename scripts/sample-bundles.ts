/**
 * Puts the real bundles that `npm run bundles:build` makes (bundles/sources/) into the sample
 * catalog: the bytes go to `catalog/bundles/`, and each gets a listing whose `mcpb` package points
 * at that file by relative path and records its sha256. The bundles are committed, so
 * `npm run build` needs no network; packing is reproducible (normalizeZipTimes), so rebuilding
 * from the sources gives the committed bytes again, and `--check` proves it.
 *
 *   npm run sample:bundles            # copy .cache/bundles/* in and write the listings
 *   npm run sample:bundles -- --check # fail when a committed bundle or listing differs
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OFFICIAL_SCHEMA_ID, PUBLISHER_META_KEY, REPO_ROOT } from '../pipeline/core/schema-files.ts';
import type { Listing } from '../pipeline/core/schema-types.gen.ts';
import { BUNDLES_DIR } from './build-bundles.ts';

interface SampleBundle {
  source: string;
  server: string;
  title: string;
  description: string;
  category: string;
  tags: string[];
  license: string;
  repository?: string;
  website?: string;
  /**
   * The npm package the bundle was packed from, listed beside it: clients that install only from
   * package registries (VS Code's gallery drops mcpb) can still install the same version.
   */
  npm?: string;
  /** The npm package's arguments, as the bundle's user_config maps them. */
  npmArguments?: NonNullable<Listing['packages']>[number]['packageArguments'];
}

export const SAMPLE_BUNDLES: SampleBundle[] = [
  {
    source: 'server-filesystem',
    server: 'io.github.modelcontextprotocol/filesystem',
    title: 'Filesystem',
    description: 'Secure file operations (read, write, edit, search, move) confined to the directories you choose.',
    category: 'system',
    tags: ['filesystem', 'files', 'reference-server'],
    license: 'MIT',
    repository: 'https://github.com/modelcontextprotocol/servers',
    website: 'https://github.com/modelcontextprotocol/servers/tree/main/src/filesystem',
    npm: '@modelcontextprotocol/server-filesystem',
    npmArguments: [
      {
        type: 'positional',
        valueHint: 'directory',
        description: 'Directories the server may read and write. Nothing outside them is reachable.',
        format: 'filepath',
        isRequired: true,
        isRepeated: true,
      },
    ],
  },
  {
    source: 'server-memory',
    server: 'io.github.modelcontextprotocol/memory',
    title: 'Knowledge Graph Memory',
    description: 'Persistent memory as a local knowledge graph of entities, relations and observations.',
    category: 'ai-ml',
    tags: ['memory', 'knowledge-graph', 'reference-server'],
    license: 'MIT',
    repository: 'https://github.com/modelcontextprotocol/servers',
    website: 'https://github.com/modelcontextprotocol/servers/tree/main/src/memory',
    npm: '@modelcontextprotocol/server-memory',
  },
  {
    source: 'server-everything',
    server: 'io.github.modelcontextprotocol/everything',
    title: 'Everything',
    description: 'Reference server that exercises every MCP feature: tools, resources, prompts, sampling, logging.',
    category: 'development',
    tags: ['testing', 'reference-server'],
    license: 'MIT',
    repository: 'https://github.com/modelcontextprotocol/servers',
    website: 'https://github.com/modelcontextprotocol/servers/tree/main/src/everything',
    npm: '@modelcontextprotocol/server-everything',
  },
  {
    source: 'python-dateutil-clock',
    server: 'io.github.mcp-catalog/dateutil-clock',
    title: 'Dateutil Clock',
    description: 'Time zone conversion and countdowns, a Python bundle that vendors python-dateutil.',
    category: 'productivity',
    tags: ['time', 'timezone', 'python'],
    license: 'Apache-2.0',
  },
];

const CATALOG = join(REPO_ROOT, 'catalog');

export function sampleBundlePaths(sample: SampleBundle): { built: string; committed: string; listing: string } {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'bundles/sources', sample.source, 'manifest.json'), 'utf8'));
  const version = String(manifest.version);
  const file = `${sample.server.replace('/', '--')}-${version}.mcpb`;
  return {
    built: join(BUNDLES_DIR, `${sample.source}.mcpb`),
    committed: join(CATALOG, 'bundles', file),
    listing: join(CATALOG, 'servers', sample.server, `${version}.json`),
  };
}

export function sampleListing(sample: SampleBundle, version: string, bundlePath: string, sha256: string): Listing {
  return {
    $schema: OFFICIAL_SCHEMA_ID,
    name: sample.server,
    title: sample.title,
    description: sample.description,
    version,
    ...(sample.repository ? { repository: { url: sample.repository, source: 'github' } } : {}),
    ...(sample.website ? { websiteUrl: sample.website } : {}),
    packages: [
      {
        registryType: 'mcpb',
        identifier: bundlePath,
        version,
        fileSha256: sha256,
        transport: { type: 'stdio' },
      },
      ...(sample.npm
        ? [
            {
              registryType: 'npm',
              identifier: sample.npm,
              version,
              runtimeHint: 'npx',
              ...(sample.npmArguments ? { packageArguments: sample.npmArguments } : {}),
              transport: { type: 'stdio' },
            },
          ]
        : []),
    ],
    _meta: {
      [PUBLISHER_META_KEY]: { category: sample.category, tags: sample.tags, license: sample.license },
    },
  } as Listing;
}

const sha256Of = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * Whether the sample bundles were removed as a whole, bundles and listings (what
 * `catalog init-fork` does in a private fork): then there is nothing to rebuild or compare. One
 * missing while others remain is still drift.
 */
export function sampleBundlesRemoved(): boolean {
  return SAMPLE_BUNDLES.every((sample) => {
    const paths = sampleBundlePaths(sample);
    return !existsSync(paths.committed) && !existsSync(paths.listing);
  });
}

if (import.meta.main) {
  const check = process.argv.includes('--check');
  let drift = 0;
  const removed = check && sampleBundlesRemoved();
  if (removed) console.log('sample bundles: removed from this catalog (init-fork); nothing to check.');
  for (const sample of removed ? [] : SAMPLE_BUNDLES) {
    const paths = sampleBundlePaths(sample);
    if (!existsSync(paths.built)) throw new Error(`${paths.built} is missing: run npm run bundles:build first.`);
    const sha256 = sha256Of(paths.built);
    const version = JSON.parse(readFileSync(join(REPO_ROOT, 'bundles/sources', sample.source, 'manifest.json'), 'utf8'))
      .version as string;
    const relativePath = paths.committed.slice(CATALOG.length + 1);
    const listingText = JSON.stringify(sampleListing(sample, version, relativePath, sha256), null, 2) + '\n';
    const committedSha = existsSync(paths.committed) ? sha256Of(paths.committed) : undefined;
    const listingNow = existsSync(paths.listing) ? readFileSync(paths.listing, 'utf8') : undefined;
    if (check) {
      if (committedSha !== sha256) {
        console.error(`${relativePath}: committed sha256 ${committedSha ?? '(missing)'}, rebuilt ${sha256}`);
        drift++;
      }
      if (listingNow !== listingText) {
        console.error(`${paths.listing.slice(REPO_ROOT.length)}: differs from what sample:bundles writes`);
        drift++;
      }
      continue;
    }
    mkdirSync(dirname(paths.committed), { recursive: true });
    mkdirSync(dirname(paths.listing), { recursive: true });
    if (committedSha !== sha256) copyFileSync(paths.built, paths.committed);
    if (listingNow !== listingText) writeFileSync(paths.listing, listingText);
    console.log(`${relativePath}  ${sha256}`);
  }
  if (drift > 0) {
    console.error('Run `npm run bundles:build -- --force && npm run sample:bundles` and commit the result.');
    process.exitCode = 1;
  }
}
