/**
 * The edge function (edge/worker.ts) in workerd through Miniflare, on 127.0.0.1, in front of a
 * dist/ folder the way edge/wrangler.jsonc deploys it: the Worker first for /v0.1/* and
 * /openapi.yaml (`run_worker_first`), the static assets for everything else.
 */
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { REPO_ROOT } from '../core/schema-files.ts';

export interface EdgeRuntime {
  url: string;
  close(): Promise<void>;
}

let bundled: Promise<string> | undefined;

/** The Worker as one ES module, bundled the way wrangler bundles it (esbuild). */
export function bundleWorker(): Promise<string> {
  bundled ??= build({
    entryPoints: [`${REPO_ROOT}edge/worker.ts`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0]!.text);
  return bundled;
}

/**
 * Serves `directory` with the Worker in front, or, with `worker: false`, with Cloudflare's asset
 * server alone (what a deployment without the Worker does).
 */
export async function startEdge(directory: string, { worker = true } = {}): Promise<EdgeRuntime> {
  const mf = new Miniflare({
    modules: true,
    script: worker
      ? await bundleWorker()
      : 'export default { fetch(request, env) { return env.ASSETS.fetch(request); } }',
    compatibilityDate: '2026-04-01',
    assets: {
      directory,
      binding: 'ASSETS',
      routerConfig: worker
        ? { has_user_worker: true, static_routing: { user_worker: ['/v0.1/*', '/openapi.yaml'] } }
        : { has_user_worker: false },
      assetConfig: { html_handling: 'auto-trailing-slash', not_found_handling: '404-page' },
    },
  });
  const url = (await mf.ready).href.replace(/\/$/, '');
  return { url, close: () => mf.dispose() };
}
