/**
 * `node installer/build.ts [--root DIR] [--out DIR] [--signing dev|key|keyless]`: bundles the
 * installer with esbuild into one file, `<out>/install.mjs`, that runs on Node 20 and later with
 * no dependency outside it.
 *
 * It pins, at build time, what the installer trusts and where it looks: the catalog's signing
 * identity (the publish workflow's identity for keyless, the public key for key and dev signing),
 * the catalog's name that statements are bound to, its default index URL (`baseUrl`) and its
 * default policy. The pipeline's own modules are bundled, not copied: the verifier
 * (pipeline/adapters/sigstore-verify.ts), the safe zip reader (pipeline/adapters/zip-reader.ts),
 * the schema validator (pipeline/core/schema-validator.ts, whose schema files are embedded) and
 * the client-config module the site uses.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { atomicWriteFile } from './fs-atomic.ts';
import { repoBuildInfo, type BuildInfo } from './pin.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SCHEMAS = join(REPO, 'schemas');

/**
 * The schema validators, compiled at build time with ajv's standalone mode (style.md 6) from the
 * same schemas/ and the same ajv options as pipeline/core/schema-validator.ts, so the bundle
 * neither reads schema files nor compiles them on every run. In the bundle, imports of
 * schema-validator.ts get `validateSchema` over these compiled functions.
 */
async function standaloneValidators(): Promise<Plugin> {
  const { Ajv } = await import('ajv');
  const standaloneCode = (
    (await import('ajv/dist/standalone/index.js')) as unknown as { default: (...a: unknown[]) => string }
  ).default;
  const formats = (await import('ajv-formats')) as unknown as { default: (ajv: unknown) => void };
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictRequired: false,
    allowUnionTypes: true,
    validateSchema: false,
    code: { source: true, esm: true },
  });
  ajv.addVocabulary(['example']);
  (formats.default ?? (formats as unknown as (ajv: unknown) => void))(ajv);
  ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, 'vendor/server.schema.2025-12-11.json'), 'utf8')));
  for (const file of readdirSync(SCHEMAS).filter((f) => f.endsWith('.schema.json')))
    ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')));
  const kinds = {
    index: 'index',
    'server-record': 'serverRecord',
    policy: 'policy',
    'admin-policy': 'adminPolicy',
  } as const;
  const code = standaloneCode(
    ajv,
    Object.fromEntries(
      Object.entries(kinds).map(([kind, name]) => [name, `https://mcp-catalog.dev/schemas/${kind}.schema.json`]),
    ),
  );
  const source = `import * as compiled from 'compiled-validators';
const NAMES = ${JSON.stringify(kinds)};
export function validateSchema(kind, value) {
  const validate = compiled[NAMES[kind]];
  if (!validate) throw new Error('no compiled validator for ' + kind);
  if (validate(value)) return [];
  return (validate.errors || []).map((e) => ({ code: 'schema-' + e.keyword, path: e.instancePath, message: e.message || e.keyword }));
}`;
  return {
    name: 'standalone-validators',
    setup(b) {
      b.onResolve({ filter: /schema-validator\.ts$/ }, () => ({
        path: 'standalone-validators',
        namespace: 'validators',
      }));
      b.onResolve({ filter: /^compiled-validators$/ }, () => ({
        path: 'compiled-validators',
        namespace: 'validators',
      }));
      b.onLoad({ filter: /.*/, namespace: 'validators' }, (args) => ({
        contents: args.path === 'compiled-validators' ? code : source,
        loader: 'js',
        resolveDir: REPO,
      }));
    },
  };
}

export interface InstallerBuild {
  file: string;
  bytes: number;
  info: BuildInfo;
}

export async function buildInstaller(options: {
  root: string;
  out: string;
  signing?: 'dev' | 'key' | 'keyless';
  env?: NodeJS.ProcessEnv;
  /**
   * Test builds only: read the admin policy from this file instead of the fixed per-OS path
   * (installer/admin-policy.ts). It is compiled in, so nothing at run time can set it; the command
   * line of this file and pipeline/run.ts never pass it.
   */
  testAdminPolicyPath?: string;
}): Promise<InstallerBuild> {
  const info = repoBuildInfo(options.root, options.signing, options.env);
  info.version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  const file = join(options.out, 'install.mjs');
  const common = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    mainFields: ['module', 'main'] as string[],
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  } satisfies BuildOptions;
  // Everything but argument parsing, --version and --help: compiled only when a command runs.
  // It is embedded as a base64 string and imported from a data: URL, so a cold start does not even
  // parse it; import.meta.url inside it is the real file's, handed over through a global.
  const validators = await standaloneValidators();
  const heavy = await build({
    ...common,
    entryPoints: [join(REPO, 'installer/run.ts')],
    write: false,
    define: {
      __MCP_CATALOG_BUILD__: JSON.stringify(info),
      __MCP_CATALOG_ADMIN_POLICY__: JSON.stringify(options.testAdminPolicyPath ?? null),
      'import.meta.url': 'globalThis.__mcpCatalogUrl',
    },
    banner: {
      js: `import { createRequire as __mcpCreateRequire } from 'node:module';\nconst require = __mcpCreateRequire(globalThis.__mcpCatalogUrl);`,
    },
    plugins: [validators],
  });
  const heavyCode = heavy.outputFiles![0]!.contents;
  const lazyRun: Plugin = {
    name: 'lazy-run',
    setup(b) {
      b.onResolve({ filter: /^\.\/run\.ts$/ }, () => ({ path: 'lazy-run', namespace: 'lazy' }));
      b.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
        loader: 'js',
        contents: `globalThis.__mcpCatalogUrl = import.meta.url;
const CODE = ${JSON.stringify(Buffer.from(heavyCode).toString('base64'))};
export async function run(...args) {
  const module = await import('data:text/javascript;base64,' + CODE);
  return module.run(...args);
}`,
      }));
    },
  };
  const result = await build({
    ...common,
    entryPoints: [join(REPO, 'installer/cli.ts')],
    outfile: file,
    write: false,
    define: { __MCP_CATALOG_BUILD__: JSON.stringify(info) },
    banner: {
      js: `#!/usr/bin/env node\n// MCP Catalog installer ${info.version} for ${info.catalog}. Built by installer/build.ts; do not edit.`,
    },
    plugins: [lazyRun],
  });
  // Written like every other file readers fetch: a temporary file, fsync, rename.
  const output = result.outputFiles![0]!.contents;
  await atomicWriteFile(file, output, { mode: 0o755 });
  return { file, bytes: output.length, info };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { root: { type: 'string' }, out: { type: 'string' }, signing: { type: 'string' } },
  });
  const root = resolve(values.root ?? '.');
  const signing = values.signing as 'dev' | 'key' | 'keyless' | undefined;
  if (signing !== undefined && !['dev', 'key', 'keyless'].includes(signing))
    throw new Error(`--signing ${signing}: use dev, key or keyless.`);
  const built = await buildInstaller({
    root,
    out: resolve(values.out ?? join(root, 'dist')),
    ...(signing ? { signing } : {}),
  });
  console.log(
    `installer: ${built.file} (${(built.bytes / 1024).toFixed(0)} KiB), pinned ${built.info.identity.mode}${
      built.info.indexUrl
        ? `, default index ${built.info.indexUrl}`
        : ', no default index (the catalog has no baseUrl: --index is required)'
    }`,
  );
}
