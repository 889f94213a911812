/**
 * Install scripts: npm lifecycle scripts and node-gyp builds (threats.md, Code).
 *
 * Severity: a client installs a `.mcpb` by unpacking it and starting `mcp_config.command`; it
 * never runs `npm install`, so these scripts do not run on the user's machine by themselves.
 * They still matter:
 * - in the publisher's own `package.json` they run the moment anyone does `npm install` or
 *   `npm rebuild` in the unpacked bundle, and they usually mean the bundle expects a build step
 *   that a packed bundle never gets — review;
 * - in a bundled dependency they are inert (npm only runs a dependency's scripts when it installs
 *   that dependency), and a real `node_modules` has several (esbuild, core-js, protobufjs, …);
 *   reporting them at review would make every bundle a review. They are info plus the
 *   `install-scripts` capability, so policies can still refuse them; malicious packages are
 *   caught by the dependency family (OSV `MAL-*`) and by the code rules on their runtime files.
 * `prepare` is left out: npm runs it only in the package's own checkout and for git
 * dependencies, never for a registry install, and it is mostly a dev build (`husky`, `tsc`).
 * Python `setup.py` is left out too: a bundle carries installed packages, not sdists (an sdist
 * would be a nested archive, see native.ts), and a publisher's own `setup.py` is just more of
 * their code, which the code rules scan like any `.py` file.
 */
import { defineRules, type FileRules, type ScanSink, type ScannedFile } from '../types.ts';

export const INSTALL_RULES = defineRules({
  'install-npm-scripts': {
    severity: 'review',
    dependencySeverity: 'info',
    summary: 'A package.json with a preinstall, install or postinstall script.',
  },
  'install-binding-gyp': {
    severity: 'review',
    dependencySeverity: 'info',
    summary: 'A binding.gyp: npm would compile a native addon with node-gyp on install.',
  },
});

/** The lifecycle scripts npm runs when it installs a package (docs.npmjs.com, "scripts"). */
export const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const;

const SHOWN_COMMAND = 120;

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The install scripts a package.json declares, or none when it is not a JSON object. */
export function installScripts(content: Buffer): { name: string; command: string }[] {
  let manifest: unknown;
  try {
    manifest = JSON.parse(content.toString('utf8'));
  } catch {
    return [];
  }
  return scriptsOf(manifest);
}

/** The install scripts of a parsed package.json. */
function scriptsOf(manifest: unknown): { name: string; command: string }[] {
  if (typeof manifest !== 'object' || manifest === null) return [];
  const scripts = (manifest as { scripts?: unknown }).scripts;
  if (typeof scripts !== 'object' || scripts === null) return [];
  return INSTALL_SCRIPTS.flatMap((name) => {
    const command = (scripts as Record<string, unknown>)[name];
    return typeof command === 'string' && command.trim() !== '' ? [{ name, command }] : [];
  });
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * installScripts() of a scanned file, from the parse it shares with the dependency inventory.
 * Most package.json files never spell "install": without it, and without a `\u` escape that could
 * spell a key another way, no lifecycle key can be there, and the file is not parsed at all.
 */
function fileInstallScripts(file: ScannedFile): { name: string; command: string }[] {
  const content = file.content!;
  if (content.indexOf('install', 0, 'latin1') === -1 && content.indexOf('\\u', 0, 'latin1') === -1) return [];
  // JSON.parse fails on a byte order mark, so installScripts() finds none there; the shared parse skips it.
  if (content.subarray(0, 3).equals(UTF8_BOM)) return [];
  return scriptsOf(file.json);
}

/** Scan one file for install hooks. Pure: reads the file record, reports to the sink. */
export function scanInstall(file: ScannedFile, sink: ScanSink): void {
  const name = basename(file.path);
  if (name === 'binding.gyp') {
    sink.capability('install-scripts', file.origin, file.path);
    sink.finding(
      INSTALL_RULES['install-binding-gyp'],
      file.path,
      'npm would build a native addon here on install; a packed bundle must carry the prebuilt binaries it needs instead.',
      { origin: file.origin },
    );
    return;
  }
  if (name !== 'package.json' || file.content === undefined) return;
  const scripts = fileInstallScripts(file);
  if (scripts.length === 0) return;
  sink.capability('install-scripts', file.origin, file.path);
  const listed = scripts
    .map(
      ({ name, command }) =>
        `${name}: ${command.length > SHOWN_COMMAND ? command.slice(0, SHOWN_COMMAND) + '…' : command}`,
    )
    .join('; ');
  sink.finding(
    INSTALL_RULES['install-npm-scripts'],
    file.path,
    `Install scripts (${listed}). Clients never run them; build before packing and remove them, or explain them in the review.`,
    { origin: file.origin, pointer: `/scripts/${scripts[0]!.name}` },
  );
}

export const installFileRules: FileRules = { scanFile: scanInstall };
