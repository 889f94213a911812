/**
 * Stage 6, hash and sign: one in-toto statement per verified artifact, binding its sha256 to the
 * listing (name and version) and to the scan report that judged it, signed into a sigstore
 * bundle. A statement signed before by the same signer is not signed again: the bundle is cached
 * under the digest of statement and signer, so an unchanged catalog costs no Fulcio certificate
 * and no Rekor entry.
 */
import { cacheKey, type JsonCache } from '../adapters/build-cache.ts';
import type { AttestationSigner, SerializedBundle } from '../adapters/sigstore-sign.ts';
import type { Statement } from '../core/attestation.ts';

export interface SignInput {
  statements: readonly Statement[];
  signer: AttestationSigner;
  cache: JsonCache;
}

export interface SignOutput {
  bundles: SerializedBundle[];
  /** How many were signed now (the rest came from the cache). */
  signed: number;
}

export async function signStatements({ statements, signer, cache }: SignInput): Promise<SignOutput> {
  const bundles: SerializedBundle[] = [];
  let signed = 0;
  for (const statement of statements) {
    const key = cacheKey({ v: 1, signer: signer.description, statement });
    let bundle = await cache.get<SerializedBundle>(key);
    if (!bundle) {
      bundle = await signer.sign(statement);
      await cache.set(key, bundle);
      signed++;
    }
    bundles.push(bundle);
  }
  return { bundles, signed };
}
