/** A fresh ECDSA P-256 key pair as PEM (PKCS#8 and SPKI), the kind key-mode signing uses. */
import { generateKeyPairSync } from 'node:crypto';
import { SigningError, type KeyPairPem } from '../adapters/signing-key.ts';

export function p256KeyPair(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** The code of the SigningError that `action` throws; fails the test when it throws anything else or nothing. */
export async function signingErrorCode(action: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (error) {
    if (error instanceof SigningError) return error.code;
    throw error;
  }
  throw new Error('expected a SigningError');
}
