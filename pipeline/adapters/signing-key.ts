/**
 * Key files for key-mode signing: forks without GitHub OIDC name a key pair in the config, and a
 * local build makes a development key into a git-ignored folder.
 *
 * Keys are ECDSA P-256 (PKCS#8 private, SPKI public, PEM), the curve sigstore's ephemeral keys use.
 * A bundle names its key by `publicKeyId`, the sha256 of the SPKI DER, which the verifier
 * recomputes from the pinned public key. This module stays free of @sigstore/* so that the
 * installer's verifier can share `publicKeyId` without pulling in the signer.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';

export type SigningErrorCode =
  /** A key file is missing. */
  | 'key-missing'
  /** A key path is a symbolic link: refused, a key is never read or written through one. */
  | 'key-symlink'
  /** Not a PEM ECDSA P-256 key of the expected kind (PKCS#8 private, SPKI public), or unreadable. */
  | 'key-invalid'
  /** The public key is not the private key's. */
  | 'key-mismatch'
  /** Only the public half of the development key exists; making a new pair would overwrite it. */
  | 'key-incomplete'
  /** Keyless: no OIDC identity token (not in GitHub Actions, or `id-token: write` missing). */
  | 'identity-unavailable'
  /** Keyless: Fulcio refused or could not be reached. */
  | 'certificate-failed'
  /** Keyless: Rekor refused or could not be reached. */
  | 'transparency-log-failed'
  /** Keyless: the timestamp authority refused or could not be reached. */
  | 'timestamp-failed'
  /** Any other signing failure. */
  | 'signing-failed';

export class SigningError extends Error {
  override name = 'SigningError';
  readonly code: SigningErrorCode;
  constructor(code: SigningErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

export const DEV_PRIVATE_KEY_FILE = 'dev-signing-key.pem';
export const DEV_PUBLIC_KEY_FILE = 'dev-signing-key.pub.pem';

/** Lowercase hex sha256 of the key's SPKI DER: the key hint in a bundle and the DSSE keyid. */
export function publicKeyId(publicKeyPem: string): string {
  return createHash('sha256')
    .update(spkiDer(parsePublicKey(publicKeyPem, 'the public key')))
    .digest('hex');
}

/** Parses and checks a PEM pair: both P-256, and the public key is the private key's. */
export function checkKeyPair(
  pair: KeyPairPem,
  where = 'the signing key',
): { privateKey: KeyObject; publicKey: KeyObject } {
  const privateKey = parsePrivateKey(pair.privateKeyPem, where);
  const publicKey = parsePublicKey(pair.publicKeyPem, `the public half of ${where}`);
  if (!spkiDer(createPublicKey(privateKey)).equals(spkiDer(publicKey))) {
    throw new SigningError(
      'key-mismatch',
      `${where}: the public key does not belong to the private key. Export it again with \`openssl ec -in <private.pem> -pubout\`.`,
    );
  }
  return { privateKey, publicKey };
}

/** Reads a key pair named in the config. Neither path may be a symlink. */
export async function loadKeyPair(paths: { privateKeyPath: string; publicKeyPath: string }): Promise<KeyPairPem> {
  const privateKeyPem = await readKeyFile(paths.privateKeyPath);
  const publicKeyPem = await readKeyFile(paths.publicKeyPath);
  if (privateKeyPem === undefined || publicKeyPem === undefined) {
    const missing = privateKeyPem === undefined ? paths.privateKeyPath : paths.publicKeyPath;
    throw new SigningError(
      'key-missing',
      `${missing} does not exist. Generate a pair with \`openssl ecparam -name prime256v1 -genkey | openssl pkcs8 -topk8 -nocrypt\` and \`openssl ec -pubout\`.`,
    );
  }
  const pair = { privateKeyPem, publicKeyPem };
  checkKeyPair(pair, paths.privateKeyPath);
  return pair;
}

/**
 * The development key of a local build: `dir/dev-signing-key.pem` (0600) and
 * `dir/dev-signing-key.pub.pem`. Made when missing, reused otherwise, never overwritten: each file
 * is created with O_CREAT|O_EXCL|O_NOFOLLOW, so an existing key, a symlink in its place, or a key
 * another build made a moment earlier is kept and read instead. The private key is written first;
 * a run cut off between the two writes leaves a private key whose public half the next run derives.
 */
export async function ensureDevKey(dir: string): Promise<KeyPairPem> {
  const privatePath = join(dir, DEV_PRIVATE_KEY_FILE);
  const publicPath = join(dir, DEV_PUBLIC_KEY_FILE);
  await mkdir(dir, { recursive: true, mode: 0o700 });

  const existingPublic = await readKeyFile(publicPath);
  let privateKeyPem: string | undefined;
  if (existingPublic !== undefined) {
    privateKeyPem = await readKeyFile(privatePath);
    if (privateKeyPem === undefined) {
      throw new SigningError(
        'key-incomplete',
        `${publicPath} exists without ${privatePath}. Remove ${publicPath} (and any copy of it you trust) to make a new development key.`,
      );
    }
  } else {
    const fresh = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    privateKeyPem = (await createExclusive(privatePath, fresh, 0o600)) ? fresh : await readKeyFile(privatePath);
    if (privateKeyPem === undefined)
      throw new SigningError('key-missing', `${privatePath} vanished while it was read.`);
  }
  let publicKeyPem = existingPublic;
  if (publicKeyPem === undefined) {
    const derived = createPublicKey(parsePrivateKey(privateKeyPem, privatePath))
      .export({ type: 'spki', format: 'pem' })
      .toString();
    publicKeyPem = (await createExclusive(publicPath, derived, 0o644)) ? derived : await readKeyFile(publicPath);
    if (publicKeyPem === undefined) throw new SigningError('key-missing', `${publicPath} vanished while it was read.`);
  }
  const pair = { privateKeyPem, publicKeyPem };
  checkKeyPair(pair, privatePath);
  return pair;
}

function parsePrivateKey(pem: string, where: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw new SigningError('key-invalid', `${where} is not a PEM private key.`, { cause });
  }
  // Only unencrypted PKCS#8 ("BEGIN PRIVATE KEY"): one format, the one `ensureDevKey` writes.
  if (!/^-----BEGIN PRIVATE KEY-----/m.test(pem)) {
    throw new SigningError('key-invalid', `${where} must be an unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY").`);
  }
  assertP256(key, where);
  return key;
}

function parsePublicKey(pem: string, where: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw new SigningError('key-invalid', `${where} is not a PEM public key.`, { cause });
  }
  // createPublicKey also accepts private keys and certificates; a public key file must be SPKI.
  if (!/^-----BEGIN PUBLIC KEY-----/m.test(pem)) {
    throw new SigningError('key-invalid', `${where} must be an SPKI PEM ("BEGIN PUBLIC KEY").`);
  }
  assertP256(key, where);
  return key;
}

function assertP256(key: KeyObject, where: string): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new SigningError('key-invalid', `${where} must be an ECDSA P-256 key.`);
  }
}

function spkiDer(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

/** The file's text, or undefined when it does not exist. A symlink is refused, not followed. */
async function readKeyFile(path: string): Promise<string | undefined> {
  try {
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      if (!(await handle.stat()).isFile()) throw new SigningError('key-invalid', `${path} is not a regular file.`);
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP')
      throw new SigningError('key-symlink', `${path} is a symbolic link; key files must be regular files.`);
    if (error instanceof SigningError) throw error;
    throw new SigningError('key-invalid', `${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
}

/** Writes a new file; false when one already exists. Never follows a symlink (O_EXCL fails on one). */
async function createExclusive(path: string, text: string, mode: number): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new SigningError('key-invalid', `${path} cannot be created: ${(error as Error).message}`, { cause: error });
  }
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}
