import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { lstat, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/fixtures.ts';
import {
  checkKeyPair,
  DEV_PRIVATE_KEY_FILE,
  DEV_PUBLIC_KEY_FILE,
  ensureDevKey,
  loadKeyPair,
  publicKeyId,
} from './signing-key.ts';
import { p256KeyPair as p256, signingErrorCode as codeOf } from '../test-support/keys.ts';

describe('publicKeyId', () => {
  it('is the sha256 of the SPKI DER, as `openssl pkey -pubin -outform DER | sha256sum` computes it', () => {
    const pem = [
      '-----BEGIN PUBLIC KEY-----',
      'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEfLCxii/eZ+6/7rfXCUSVkvyKYub9',
      'YvdcDt9ucM1LtGs5YL137xjmZQY1y1VMRXkPT2C6gY+5qO9gWyHkG9IJOQ==',
      '-----END PUBLIC KEY-----',
      '',
    ].join('\n');
    expect(publicKeyId(pem)).toBe('c62dcd7a17e70f0d05f1f4ddde36d39a1f15d0db0b47524688bd850807677edb');
    // Line endings and wrapping are not part of the key.
    expect(publicKeyId(pem.replace(/\n/g, '\r\n'))).toBe(publicKeyId(pem));
  });

  it('refuses what is not an SPKI P-256 public key', async () => {
    const pair = p256();
    expect(await codeOf(() => publicKeyId('not a key'))).toBe('key-invalid');
    // A private key would be accepted by createPublicKey; publishing it as the public key must fail.
    expect(await codeOf(() => publicKeyId(pair.privateKeyPem))).toBe('key-invalid');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'pem' });
    expect(await codeOf(() => publicKeyId(p384.toString()))).toBe('key-invalid');
    const ed25519 = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
    expect(await codeOf(() => publicKeyId(ed25519.toString()))).toBe('key-invalid');
  });
});

describe('checkKeyPair', () => {
  it('accepts a matching P-256 pair and refuses halves of two pairs', async () => {
    const a = p256();
    const b = p256();
    expect(checkKeyPair(a).publicKey.export({ type: 'spki', format: 'pem' })).toBe(a.publicKeyPem);
    expect(await codeOf(() => checkKeyPair({ privateKeyPem: a.privateKeyPem, publicKeyPem: b.publicKeyPem }))).toBe(
      'key-mismatch',
    );
  });

  it('refuses SEC1 ("EC PRIVATE KEY") and encrypted PKCS#8 private keys', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const sec1 = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    const encrypted = privateKey
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' })
      .toString();
    expect(await codeOf(() => checkKeyPair({ privateKeyPem: sec1, publicKeyPem }))).toBe('key-invalid');
    expect(await codeOf(() => checkKeyPair({ privateKeyPem: encrypted, publicKeyPem }))).toBe('key-invalid');
  });
});

describe('loadKeyPair', () => {
  it('reads a pair named in the config', async () => {
    const dir = await tempDir();
    const pair = p256();
    await writeFile(join(dir, 'k.pem'), pair.privateKeyPem, { mode: 0o600 });
    await writeFile(join(dir, 'k.pub.pem'), pair.publicKeyPem);
    expect(await loadKeyPair({ privateKeyPath: join(dir, 'k.pem'), publicKeyPath: join(dir, 'k.pub.pem') })).toEqual(
      pair,
    );
  });

  it('reports a missing file, a mismatched pair, a symlink and a directory', async () => {
    const dir = await tempDir();
    const pair = p256();
    await writeFile(join(dir, 'k.pem'), pair.privateKeyPem, { mode: 0o600 });
    await writeFile(join(dir, 'other.pub.pem'), p256().publicKeyPem);
    await writeFile(join(dir, 'k.pub.pem'), pair.publicKeyPem);
    await symlink(join(dir, 'k.pem'), join(dir, 'link.pem'));
    await mkdir(join(dir, 'folder.pem'));
    const load = (privateKeyPath: string, publicKeyPath = join(dir, 'k.pub.pem')) =>
      loadKeyPair({ privateKeyPath: join(dir, privateKeyPath), publicKeyPath });
    expect(await codeOf(load('absent.pem'))).toBe('key-missing');
    expect(await codeOf(load('k.pem', join(dir, 'absent.pub.pem')))).toBe('key-missing');
    expect(await codeOf(load('k.pem', join(dir, 'other.pub.pem')))).toBe('key-mismatch');
    expect(await codeOf(load('link.pem'))).toBe('key-symlink');
    expect(await codeOf(load('folder.pem'))).toBe('key-invalid');
  });
});

describe('ensureDevKey', () => {
  it('makes a P-256 pair, the private key 0600, in a folder it creates', async () => {
    const dir = join(await tempDir(), 'signing');
    const pair = await ensureDevKey(dir);
    const privateFile = join(dir, DEV_PRIVATE_KEY_FILE);
    const publicFile = join(dir, DEV_PUBLIC_KEY_FILE);
    expect((await stat(privateFile)).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o077).toBe(0);
    expect(await readFile(privateFile, 'utf8')).toBe(pair.privateKeyPem);
    expect(await readFile(publicFile, 'utf8')).toBe(pair.publicKeyPem);
    expect(pair.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(pair.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(createPrivateKey(pair.privateKeyPem).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(createPublicKey(pair.privateKeyPem).export({ type: 'spki', format: 'pem' })).toBe(pair.publicKeyPem);
  });

  it('reuses the key on the next call, without rewriting it', async () => {
    const dir = await tempDir();
    const first = await ensureDevKey(dir);
    const before = await stat(join(dir, DEV_PRIVATE_KEY_FILE));
    const second = await ensureDevKey(dir);
    expect(second).toEqual(first);
    expect((await stat(join(dir, DEV_PRIVATE_KEY_FILE))).mtimeMs).toBe(before.mtimeMs);
  });

  it('derives a missing public key from an existing private key (a run cut off between the two writes)', async () => {
    const dir = await tempDir();
    const pair = p256();
    await writeFile(join(dir, DEV_PRIVATE_KEY_FILE), pair.privateKeyPem, { mode: 0o600 });
    expect(await ensureDevKey(dir)).toEqual(pair);
    expect(await readFile(join(dir, DEV_PUBLIC_KEY_FILE), 'utf8')).toBe(pair.publicKeyPem);
  });

  it('refuses a symlink at either key path, even a dangling one, and writes nothing through it', async () => {
    const dir = await tempDir();
    const elsewhere = await tempDir();
    await symlink(join(elsewhere, 'stolen.pem'), join(dir, DEV_PRIVATE_KEY_FILE));
    expect(await codeOf(ensureDevKey(dir))).toBe('key-symlink');
    await expect(lstat(join(elsewhere, 'stolen.pem'))).rejects.toThrow();

    const dir2 = await tempDir();
    const pair = p256();
    await writeFile(join(dir2, DEV_PRIVATE_KEY_FILE), pair.privateKeyPem, { mode: 0o600 });
    await symlink(join(elsewhere, 'stolen.pub.pem'), join(dir2, DEV_PUBLIC_KEY_FILE));
    expect(await codeOf(ensureDevKey(dir2))).toBe('key-symlink');
    await expect(lstat(join(elsewhere, 'stolen.pub.pem'))).rejects.toThrow();
  });

  it('never overwrites: a lone public key, an invalid private key or a mismatched pair stay as they are', async () => {
    const lonePublic = await tempDir();
    const pub = p256().publicKeyPem;
    await writeFile(join(lonePublic, DEV_PUBLIC_KEY_FILE), pub);
    expect(await codeOf(ensureDevKey(lonePublic))).toBe('key-incomplete');
    expect(await readFile(join(lonePublic, DEV_PUBLIC_KEY_FILE), 'utf8')).toBe(pub);
    await expect(lstat(join(lonePublic, DEV_PRIVATE_KEY_FILE))).rejects.toThrow();

    const invalid = await tempDir();
    await writeFile(join(invalid, DEV_PRIVATE_KEY_FILE), 'not a key\n', { mode: 0o600 });
    expect(await codeOf(ensureDevKey(invalid))).toBe('key-invalid');
    expect(await readFile(join(invalid, DEV_PRIVATE_KEY_FILE), 'utf8')).toBe('not a key\n');

    const mismatched = await tempDir();
    const a = p256();
    const b = p256();
    await writeFile(join(mismatched, DEV_PRIVATE_KEY_FILE), a.privateKeyPem, { mode: 0o600 });
    await writeFile(join(mismatched, DEV_PUBLIC_KEY_FILE), b.publicKeyPem);
    expect(await codeOf(ensureDevKey(mismatched))).toBe('key-mismatch');
    expect(await readFile(join(mismatched, DEV_PRIVATE_KEY_FILE), 'utf8')).toBe(a.privateKeyPem);
    expect(await readFile(join(mismatched, DEV_PUBLIC_KEY_FILE), 'utf8')).toBe(b.publicKeyPem);
  });
});
