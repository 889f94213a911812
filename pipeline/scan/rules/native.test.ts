import { describe, expect, it } from 'vitest';
import { isAcknowledged } from '../../stages/bundle-issues.ts';
import { ScanCollector } from '../collector.ts';
import { HEAD_BYTES, scannedFile, type CodeOrigin } from '../types.ts';
import { archiveKind, NativeFileRules, nativeKind, NATIVE_RULES, platformOf, scanNative } from './native.ts';

/** A file of `size` bytes (zero-padded) starting with `bytes`. */
const bytes = (start: number[] | string, size = 512) => {
  const out = Buffer.alloc(size);
  (typeof start === 'string' ? Buffer.from(start, 'latin1') : Buffer.from(start)).copy(out);
  return out;
};

/** A minimal PE: "MZ", e_lfanew at 0x3C pointing at "PE\0\0". */
function pe(peOffset = 0x80): Buffer {
  const out = bytes('MZ', 0x200);
  out.writeUInt32LE(peOffset, 0x3c);
  out.write('PE\0\0', peOffset, 'latin1');
  return out;
}

function scan(
  path: string,
  content: Buffer,
  { origin = 'own', large = false }: { origin?: CodeOrigin; large?: boolean } = {},
) {
  const sink = new ScanCollector();
  scanNative(
    scannedFile({
      path,
      size: content.length,
      origin,
      head: content.subarray(0, HEAD_BYTES),
      content: large ? undefined : content,
    }),
    sink,
  );
  const capabilities = sink.capabilities();
  return {
    findings: sink.findings.map((f) => `${f.rule}:${f.severity}`),
    capabilities: [...capabilities.own, ...capabilities.dependencies].map((c) => c.capability),
  };
}

describe('NATIVE_RULES', () => {
  it('are native- rules that go to review everywhere, less archives in test data', () => {
    for (const rule of Object.values(NATIVE_RULES)) {
      expect(rule.id).toMatch(/^native-/);
      expect(rule.severity).toBe(rule.id === 'native-dependency-test-archive' ? 'info' : 'review');
      expect(rule.dependencySeverity).toBeUndefined();
    }
  });
});

describe('native-binary', () => {
  it.each([
    ['ELF', bytes([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1])],
    ['Mach-O 32 big-endian', bytes([0xfe, 0xed, 0xfa, 0xce])],
    ['Mach-O 64 big-endian', bytes([0xfe, 0xed, 0xfa, 0xcf])],
    ['Mach-O 32 little-endian', bytes([0xce, 0xfa, 0xed, 0xfe])],
    ['Mach-O 64 little-endian', bytes([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1])],
    ['universal Mach-O', bytes([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2])],
    ['universal Mach-O 64', bytes([0xca, 0xfe, 0xba, 0xbf, 0, 0, 0, 2])],
    ['PE', pe()],
    ['WebAssembly', bytes([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0])],
  ])('fires on %s, whatever the name, with the native capability', (_kind, content) => {
    expect(scan('server/node_modules/x/build/Release/addon.node', content, { origin: 'dependency' })).toEqual({
      findings: ['native-binary:review'],
      capabilities: ['native'],
    });
    expect(scan('server/data.txt', content).findings).toEqual(['native-binary:review']);
  });

  it('fires on a large PE whose header is past the head, when e_lfanew is plausible', () => {
    expect(scan('server/tool.exe', pe(), { large: true }).findings).toEqual(['native-binary:review']);
  });

  it.each([
    ['a Java class file', bytes([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x41])],
    ['text that starts with MZ', bytes('MZ is the first line of this text file, not a DOS header at all........')],
    ['MZ without a PE header where e_lfanew points', pe(0x80).fill(0, 0x80, 0x84)],
    ['a script', bytes('#!/bin/sh\necho hi\n')],
    ['ELF as text', bytes('ELF binaries are described in elf(5)')],
    ['a short file', Buffer.from([0x7f, 0x45])],
    ['an empty file', Buffer.alloc(0)],
  ])('does not fire on %s', (_kind, content) => {
    expect(scan('server/file.bin', content)).toEqual({ findings: [], capabilities: [] });
  });
});

describe('native-nested-archive', () => {
  const tar = bytes('server/index.js', 1024);
  tar.write('ustar\0' + '00', 257, 'latin1');

  it.each([
    ['zip', bytes([0x50, 0x4b, 0x03, 0x04, 0x14, 0])],
    ['empty zip', bytes([0x50, 0x4b, 0x05, 0x06])],
    ['gzip', bytes([0x1f, 0x8b, 0x08, 0x00])],
    ['7z', bytes([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4])],
    ['rar', bytes('Rar!\x1a\x07\x01\x00')],
    ['xz', bytes([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
    ['bzip2', bytes('BZh91AY&SY')],
    ['zstd', bytes([0x28, 0xb5, 0x2f, 0xfd])],
    ['cab', bytes('MSCF\0\0\0\0')],
    ['tar', tar],
  ])('fires on %s, whatever the name, without a capability', (_kind, content) => {
    expect(scan('server/assets/data.json', content)).toEqual({
      findings: ['native-nested-archive:review'],
      capabilities: [],
    });
  });

  it.each([
    ['text starting with PK', bytes('PK is the primary key column')],
    ['text starting with BZh', bytes('BZh9 looks like bzip2 but is text')],
    ['gzip magic without deflate', bytes([0x1f, 0x8b, 0x00])],
    ['ustar elsewhere', bytes('ustar')],
  ])('does not fire on %s', (_kind, content) => {
    expect(scan('server/notes.txt', content).findings).toEqual([]);
  });

  it('cannot see a tar over the content limit: ustar is past the head', () => {
    expect(scan('server/big.tar', tar, { large: true }).findings).toEqual([]);
  });
});

describe('kinds', () => {
  it('names what it found', () => {
    expect(nativeKind(bytes([0x7f, 0x45, 0x4c, 0x46]))).toBe('ELF');
    expect(nativeKind(pe(), pe())).toBe('PE (Windows)');
    expect(archiveKind(bytes([0x1f, 0x8b, 0x08]))).toBe('gzip');
    expect(archiveKind(bytes('hello'))).toBeUndefined();
  });
});

describe('native-binary per package', () => {
  const elf = (machine: number) => {
    const out = bytes([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    out.writeUInt16LE(machine, 18);
    return out;
  };
  const file = (path: string, content: Buffer, origin: CodeOrigin = 'dependency') =>
    scannedFile({ path, size: content.length, origin, head: content.subarray(0, HEAD_BYTES), content });

  it('reports one finding per package, naming its binaries and platforms, with the package folder as its file', () => {
    const sink = new ScanCollector();
    const rules = new NativeFileRules();
    for (let i = 0; i < 52; i++) rules.scanFile(file(`node_modules/pkg/prebuilds/b${i}/pkg.node`, elf(0x3e)), sink);
    rules.scanFile(file('node_modules/pkg/prebuilds/linux-arm64/pkg.node', elf(0xb7)), sink);
    rules.scanFile(file('node_modules/@s/other/build/Release/o.node', elf(0xb7)), sink);
    rules.scanFile(file('server/bin/a.node', elf(0x3e), 'own'), sink);
    rules.scanFile(file('server/bin/x64/b.node', elf(0x3e), 'own'), sink);
    expect(sink.findings).toEqual([]);
    rules.finish(sink);
    expect(sink.findings.map((f) => [f.file, f.origin, f.severity])).toEqual([
      ['node_modules/@s/other', 'dependency', 'review'],
      ['node_modules/pkg', 'dependency', 'review'],
      ['server/bin', 'own', 'review'],
    ]);
    const pkg = sink.findings[1]!.message;
    expect(pkg).toContain('53 native binaries in node_modules/pkg');
    expect(pkg).toContain('platforms linux-arm64, linux-x64');
    expect(pkg).toContain('and 43 more');
  });

  it('reads the platform from the prebuild folder, else from the header', () => {
    expect(platformOf('ELF', elf(0xb7), undefined, 'node_modules/p/prebuilds/android-arm64/p.node')).toBe(
      'android-arm64',
    );
    expect(platformOf('ELF', elf(0xb7), undefined, 'node_modules/p/build/p.node')).toBe('linux-arm64');
    expect(platformOf('Mach-O', bytes([0xcf, 0xfa, 0xed, 0xfe, 0x0c, 0, 0, 0x01]), undefined)).toBe('darwin-arm64');
    expect(
      platformOf(
        'PE (Windows)',
        pe(),
        (() => {
          const b = pe();
          b.writeUInt16LE(0x8664, 0x84);
          return b;
        })(),
      ),
    ).toBe('win32-x64');
  });
});

describe('native-dependency-test-archive', () => {
  it("is info for an archive in a package's test data, review elsewhere", () => {
    const gz = bytes([0x1f, 0x8b, 0x08]);
    expect(scan('node_modules/yauzl/test/fixtures/a.zip', gz, { origin: 'dependency' }).findings).toEqual([
      'native-dependency-test-archive:info',
    ]);
    expect(scan('node_modules/yauzl/lib/a.zip', gz, { origin: 'dependency' }).findings).toEqual([
      'native-nested-archive:review',
    ]);
    expect(scan('server/test/a.zip', gz).findings).toEqual(['native-nested-archive:review']);
  });
});

describe('acknowledging native binaries per package (catalog/curation, bundle-issues.ts)', () => {
  it('an acknowledgement naming the package folder covers that package, not another', () => {
    const sink = new ScanCollector();
    const rules = new NativeFileRules();
    const elf = bytes([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    for (const pkg of ['bare-fs', 'bare-url']) {
      for (const platform of ['linux-x64', 'darwin-arm64']) {
        const path = `node_modules/${pkg}/prebuilds/${platform}/${pkg}.bare`;
        rules.scanFile(
          scannedFile({
            path,
            size: elf.length,
            origin: 'dependency',
            head: elf.subarray(0, HEAD_BYTES),
            content: elf,
          }),
          sink,
        );
      }
    }
    rules.finish(sink);
    const ack = {
      version: '1.0.0',
      rule: 'native-binary',
      file: 'node_modules/bare-fs',
      reason: 'published prebuilds',
      by: 'maintainer',
    };
    expect(sink.findings.map((f) => isAcknowledged(f, '1.0.0', [ack]))).toEqual([true, false]);
  });
});
