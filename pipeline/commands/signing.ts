/**
 * Which signer the build uses, and the trust policy its output must verify under (the same policy
 * an installer built from this catalog pins).
 *
 * - `keyless`: sigstore public good with the GitHub Actions OIDC identity of the publish workflow.
 *   Chosen when `signing.mode` is `keyless` and the job can mint an OIDC token.
 * - `key`: the key pair of `signing.publicKey` in catalog.config.json; the private key comes from
 *   the environment (`CATALOG_SIGNING_KEY`, PEM text, e.g. a repository secret) or a file
 *   (`CATALOG_SIGNING_KEY_FILE`). For forks without OIDC and air-gapped ones.
 * - `dev`: a development key made once into `.signing/` (git-ignored), for local builds. Nothing
 *   outside this checkout trusts it, and the build log says so.
 *
 * Keyless talks to sigstore's public-good Fulcio and Rekor unless SIGSTORE_FULCIO_URL,
 * SIGSTORE_REKOR_URL (and SIGSTORE_TSA_URL) name a private sigstore, whose trusted root then comes
 * from the file SIGSTORE_TRUSTED_ROOT; the tests drive the whole path that way on 127.0.0.1.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ResolvedConfig } from '../core/config.ts';
import { ensureDevKey, type KeyPairPem } from '../adapters/signing-key.ts';
import { githubActionsIdentity, keylessSigner, keySigner, type AttestationSigner } from '../adapters/sigstore-sign.ts';
import { loadPublicGoodTrustedRoot, type TrustPolicy } from '../adapters/sigstore-verify.ts';

export type SigningMode = 'keyless' | 'key' | 'dev';

export interface Signing {
  mode: SigningMode;
  signer: AttestationSigner;
  /** Loaded lazily: keyless needs the public-good trusted root (network). */
  policy: () => Promise<TrustPolicy>;
  /** Public key to publish beside the index (key and dev modes). */
  publicKeyPem?: string;
  /** What the build log says about it. */
  note: string;
}

export const DEV_KEY_DIR = '.signing';
const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
const PUBLIC_GOOD = { fulcioURL: 'https://fulcio.sigstore.dev', rekorURL: 'https://rekor.sigstore.dev' };

export class SigningSetupError extends Error {
  override name = 'SigningSetupError';
}

export async function resolveSigning(
  config: ResolvedConfig,
  root: string,
  requested: SigningMode | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Signing> {
  const configured = config.signing?.mode ?? 'keyless';
  const oidc = Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
  const privateKey = env.CATALOG_SIGNING_KEY ?? (env.CATALOG_SIGNING_KEY_FILE ? 'file' : undefined);
  const mode: SigningMode =
    requested ?? (configured === 'keyless' && oidc ? 'keyless' : configured === 'key' && privateKey ? 'key' : 'dev');

  if (mode === 'keyless') return keyless(config, env, root);
  if (mode === 'key') {
    if (!config.signing?.publicKey)
      throw new SigningSetupError(
        'Key signing needs signing.publicKey in catalog.config.json (the path of the PEM public key).',
      );
    const publicKeyPem = await readFile(resolve(root, config.signing.publicKey), 'utf8');
    const privateKeyPem =
      env.CATALOG_SIGNING_KEY ??
      (env.CATALOG_SIGNING_KEY_FILE ? await readFile(env.CATALOG_SIGNING_KEY_FILE, 'utf8') : undefined);
    if (!privateKeyPem)
      throw new SigningSetupError(
        'Key signing needs the private key in CATALOG_SIGNING_KEY (PEM text) or CATALOG_SIGNING_KEY_FILE (a path).',
      );
    return withKey('key', { privateKeyPem, publicKeyPem }, `signed with the key of ${config.signing.publicKey}`);
  }
  const pair = await ensureDevKey(join(root, DEV_KEY_DIR));
  return withKey(
    'dev',
    pair,
    `signed with the development key in ${DEV_KEY_DIR}/ (local builds only: nothing outside this checkout trusts it)`,
  );
}

function withKey(mode: 'key' | 'dev', pair: KeyPairPem, note: string): Signing {
  return {
    mode,
    signer: keySigner(pair),
    policy: async () => ({ mode: 'key', publicKeyPem: pair.publicKeyPem }),
    publicKeyPem: pair.publicKeyPem,
    note,
  };
}

function keyless(config: ResolvedConfig, env: NodeJS.ProcessEnv, root: string): Signing {
  const repository = config.repository
    ? `${config.repository.owner}/${config.repository.name}`
    : (env.GITHUB_REPOSITORY ?? '');
  const repositoryId = config.repository?.id ?? env.GITHUB_REPOSITORY_ID ?? '';
  const workflowFile = config.signing?.workflow ?? '.github/workflows/publish.yml';
  const ref = config.signing?.ref ?? 'refs/heads/main';
  if (!repository || !repositoryId)
    throw new SigningSetupError(
      'Keyless signing pins the repository and its numeric id: set repository.owner, repository.name and repository.id in catalog.config.json (or run in GitHub Actions).',
    );
  const workflow = `https://github.com/${repository}/${workflowFile}@${ref}`;
  return {
    mode: 'keyless',
    signer: keylessSigner({
      fulcioURL: env.SIGSTORE_FULCIO_URL ?? PUBLIC_GOOD.fulcioURL,
      rekorURL: env.SIGSTORE_REKOR_URL ?? PUBLIC_GOOD.rekorURL,
      ...(env.SIGSTORE_TSA_URL ? { tsaURL: env.SIGSTORE_TSA_URL } : {}),
      identityToken: githubActionsIdentity(),
    }),
    policy: async () => ({
      mode: 'keyless',
      trustedRoot: env.SIGSTORE_TRUSTED_ROOT
        ? (JSON.parse(await readFile(resolve(root, env.SIGSTORE_TRUSTED_ROOT), 'utf8')) as Record<string, unknown>)
        : await loadPublicGoodTrustedRoot(),
      identity: { issuer: GITHUB_ISSUER, workflow, repositoryId },
    }),
    note: `signed keyless as ${workflow} (repository id ${repositoryId})`,
  };
}
