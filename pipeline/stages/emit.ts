/**
 * Stage 8, emit: every deployable file of dist/ from the published model. Pure; the dist writer
 * puts the files on disk and index.json, the signed root that names the rest by digest, goes last.
 */
import { createHash } from 'node:crypto';
import type { AttestationSigner } from '../adapters/sigstore-sign.ts';
import { indexStatement } from '../core/attestation.ts';
import type { CatalogIndex } from '../core/schema-types.gen.ts';
import { emitBadges } from '../emit/badges.ts';
import { emitFeed } from '../emit/feed.ts';
import { emitOpenApi } from '../emit/openapi-yaml.ts';
import { emitRegistryApi } from '../emit/registry-api.ts';
import { emitSearch } from '../emit/search.ts';
import type { EmittedFile } from '../emit/types.ts';
import type { Model } from './model.ts';

/** What the registry API reads besides the model (docs/registry-api.md). */
export interface RegistryApiInput {
  /** Left out when false: the catalog has no baseUrl (see registryApiPlan). */
  emit: boolean;
  /** When each server's status last changed, by name: `statusChangedAt`. */
  statusChangedAt?: ReadonlyMap<string, string>;
  /** Also write `<ns>%2F<name>/` copies, for hosts that do not decode `%2F`. */
  literalEncodedNames?: boolean;
}

export function emitCatalog(
  model: Model,
  baseUrl: string | undefined,
  extra: readonly EmittedFile[],
  registryApi: RegistryApiInput = { emit: baseUrl !== undefined },
): EmittedFile[] {
  const emitModel = { index: model.index, records: model.records, baseUrl };
  const api =
    registryApi.emit && baseUrl !== undefined
      ? [
          ...emitRegistryApi(
            {
              ...emitModel,
              listings: model.listings,
              ...(registryApi.statusChangedAt ? { statusChangedAt: registryApi.statusChangedAt } : {}),
            },
            { literalEncodedNames: registryApi.literalEncodedNames ?? false },
          ),
          emitOpenApi(baseUrl),
        ]
      : [];
  return [...model.files, ...extra, ...emitSearch(emitModel), ...api, ...emitFeed(emitModel), ...emitBadges(emitModel)];
}

export function serializeIndex(index: CatalogIndex): Buffer {
  return Buffer.from(JSON.stringify(index) + '\n');
}

/** index.json's bytes and the sigstore bundle of its statement (digest, serial, expiry, catalog). */
export async function signIndex(
  index: CatalogIndex,
  signer: AttestationSigner,
  catalog: string,
): Promise<{ bytes: Buffer; bundle: string }> {
  const bytes = serializeIndex(index);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const bundle = await signer.sign(indexStatement({ sha256, serial: index.serial, expires: index.expires, catalog }));
  return { bytes, bundle: JSON.stringify(bundle) + '\n' };
}

/**
 * True when two indexes publish the same thing, whatever their serial, time and expiry: then the
 * previous signed index can stand, and an unchanged catalog re-signs nothing. A source's
 * `lastGoodAt` moves with every good read; when nothing else changed, the standing index's older
 * date still holds (what it publishes was good then), so it does not count either.
 */
export function samePublication(a: CatalogIndex, b: CatalogIndex): boolean {
  const content = ({ generatedAt: _g, serial: _s, expires: _e, sources, ...rest }: CatalogIndex) =>
    JSON.stringify({ ...rest, sources: sources?.map(({ lastGoodAt: _l, ...s }) => s) });
  return content(a) === content(b);
}
