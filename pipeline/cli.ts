/**
 * The catalog's command line: `npm run catalog -- <command> ...`.
 * Exit codes: 0 success, 1 the input has errors, 2 the command could not run.
 */
import { enableCompileCache } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

// Node strips the TypeScript of every module on each start; its compile cache keeps the result
// (in the OS temp folder), which takes about a fifth off a short command such as scan.
enableCompileCache();
import { UsageError, type CommandResult } from './commands/args.ts';

const USAGE = `Usage: npm run catalog -- <command> [options]

Commands:
  validate [--root DIR] [--changed-since REF] [--author LOGIN] [--json]
           [--bundles [--osv-url URL | --offline]]
      Check every catalog file (or only what changed since REF) against the schemas and rules.
      --bundles also fetches and scans the mcpb bundles of the checked listings: a reject
      fails, and a review finding fails until catalog/curation/ acknowledges it.
  import --from official|mcpm|docker <file-or-dir> --out ROOT [--only ID,...]
         [--upstream-commit SHA] [--upstream-path PATH] [--json]
      Turn another registry's data into catalog files; entries that cannot be valid listings
      are reported with a code and reason and not written.
  scan <file.mcpb|https-url> [--json] [--trust cert.pem]... [--osv-url URL] [--offline] [--root DIR]
      Open, check and scan one bundle. Exit 0 pass, 1 reject, 3 review, 2 could not run.
  verify-mcpb <file.mcpb> [--trust cert.pem]... [--json] [--root DIR]
      Check the publisher's \`mcpb sign\` signature. Exit 0 valid and trusted, 1 unsigned or
      invalid, 3 valid but not trusted, 2 could not run.
  verify-dist [DIR] (--key PUBLIC.pem | --workflow URI --repository-id ID [--issuer URL] [--trusted-root FILE])
      Check a built dist/ (default ./dist) as a client trusts it: the index signature for the
      given identity, every per-server file by digest, every artifact attestation, the search index.
  (--root defaults to the current directory; its catalog.config.json may list trustedPublishers.)
`;

/**
 * The commands that take their own argv: each module parses it and exports its USAGE, so the
 * help text and the parser live side by side. Loaded lazily, like the others.
 */
const MODULE_COMMANDS: Record<
  string,
  () => Promise<{ USAGE: string; run: (argv: string[]) => Promise<CommandResult> }>
> = {
  'init-fork': async () => {
    const m = await import('./commands/init-fork.ts');
    return { USAGE: m.USAGE, run: m.initForkCommand };
  },
  'pr-report': async () => {
    const m = await import('./commands/pr-report.ts');
    return { USAGE: m.USAGE, run: (argv) => m.prReportCommand(argv) };
  },
  'pr-comment': async () => {
    const m = await import('./commands/pr-comment.ts');
    return { USAGE: m.USAGE, run: (argv) => m.prCommentCommand(argv) };
  },
  'issue-form': async () => {
    const m = await import('./commands/issue-form.ts');
    return { USAGE: m.USAGE, run: (argv) => m.issueFormCommand(argv) };
  },
  'workflow-failure': async () => {
    const m = await import('./commands/workflow-failure.ts');
    return { USAGE: m.USAGE, run: (argv) => m.workflowFailureCommand(argv) };
  },
  'update-bot': async () => {
    const m = await import('./commands/update-bot.ts');
    return { USAGE: m.USAGE, run: (argv) => m.updateBotCommand(argv) };
  },
  reverify: async () => {
    const m = await import('./commands/reverify.ts');
    return { USAGE: m.USAGE, run: (argv) => m.reverifyCommand(argv) };
  },
  'review-threads': async () => {
    const m = await import('./commands/review-threads.ts');
    return { USAGE: m.USAGE, run: (argv) => m.reviewThreadsCommand(argv) };
  },
};

/** The whole help text: the built-in commands, then each module command's own USAGE. */
async function fullUsage(): Promise<string> {
  const modules = await Promise.all(Object.values(MODULE_COMMANDS).map((load) => load()));
  return `${USAGE}\nGitHub, sync and fork commands:\n${modules.map((m) => m.USAGE.trimEnd()).join('\n')}\n`;
}

/** The options of the commands that check publisher signatures. */
const TRUST_OPTIONS = {
  json: { type: 'boolean' },
  trust: { type: 'string', multiple: true },
  root: { type: 'string' },
} as const;

/** `trustedPublishers` of the catalog at `root`, as absolute paths. */
async function configTrustOf(root: string): Promise<string[]> {
  const { configTrust } = await import('./commands/config-trust.ts');
  return configTrust(root);
}

async function main(argv: string[]): Promise<CommandResult> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'validate': {
      const { values } = parseArgs({
        args: rest,
        options: {
          root: { type: 'string' },
          'changed-since': { type: 'string' },
          author: { type: 'string' },
          json: { type: 'boolean' },
          bundles: { type: 'boolean' },
          'osv-url': { type: 'string' },
          offline: { type: 'boolean' },
        },
      });
      // Commands load lazily: validate runs on every pull request and should not pay for the importers.
      const { validateCommand } = await import('./commands/validate.ts');
      return validateCommand({
        ...(values.root ? { root: values.root } : {}),
        ...(values['changed-since'] ? { changedSince: values['changed-since'] } : {}),
        ...(values.author ? { author: values.author } : {}),
        json: values.json ?? false,
        bundles: values.bundles ?? false,
        ...(values['osv-url'] ? { osvUrl: values['osv-url'] } : {}),
        offline: values.offline ?? false,
      });
    }
    case 'import': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          from: { type: 'string' },
          out: { type: 'string' },
          only: { type: 'string' },
          'upstream-commit': { type: 'string' },
          'upstream-path': { type: 'string' },
          json: { type: 'boolean' },
        },
      });
      if (positionals.length !== 1) throw new UsageError('import takes exactly one <file-or-dir>.');
      if (!values.out) throw new UsageError('import needs --out ROOT.');
      const { importCommand } = await import('./commands/import.ts');
      return importCommand({
        from: values.from ?? '',
        input: positionals[0]!,
        out: values.out,
        ...(values.only ? { only: values.only.split(',').map((s) => s.trim()) } : {}),
        ...(values['upstream-commit'] ? { upstreamCommit: values['upstream-commit'] } : {}),
        ...(values['upstream-path'] ? { upstreamPath: values['upstream-path'] } : {}),
        json: values.json ?? false,
      });
    }
    case 'scan': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { ...TRUST_OPTIONS, 'osv-url': { type: 'string' }, offline: { type: 'boolean' } },
      });
      if (positionals.length !== 1) throw new UsageError('scan takes exactly one <file.mcpb|https-url>.');
      const root = values.root ?? process.cwd();
      const { scanCommand } = await import('./commands/scan.ts');
      return scanCommand({
        target: positionals[0]!,
        json: values.json ?? false,
        trust: [...(await configTrustOf(root)), ...(values.trust ?? [])],
        ...(values['osv-url'] ? { osvUrl: values['osv-url'] } : {}),
        offline: values.offline ?? false,
        cacheDir: join(root, '.cache'),
      });
    }
    case 'verify-mcpb': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: TRUST_OPTIONS,
      });
      if (positionals.length !== 1) throw new UsageError('verify-mcpb takes exactly one <file.mcpb>.');
      const { verifyMcpbCommand } = await import('./commands/verify-mcpb.ts');
      return verifyMcpbCommand({
        file: positionals[0]!,
        trust: values.trust ?? [],
        configTrust: await configTrustOf(values.root ?? process.cwd()),
        json: values.json ?? false,
      });
    }
    case 'verify-dist': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          key: { type: 'string' },
          workflow: { type: 'string' },
          'repository-id': { type: 'string' },
          issuer: { type: 'string' },
          'trusted-root': { type: 'string' },
        },
      });
      if (positionals.length > 1) throw new UsageError('verify-dist takes at most one DIR.');
      const { verifyDistCommand } = await import('./commands/verify-dist.ts');
      return verifyDistCommand({
        dir: positionals[0] ?? 'dist',
        ...(values.key ? { key: values.key } : {}),
        ...(values.workflow ? { workflow: values.workflow } : {}),
        ...(values['repository-id'] ? { repositoryId: values['repository-id'] } : {}),
        ...(values.issuer ? { issuer: values.issuer } : {}),
        ...(values['trusted-root'] ? { trustedRoot: values['trusted-root'] } : {}),
      });
    }
    case undefined:
    case 'help':
    case '--help':
      return { stdout: await fullUsage(), exitCode: command ? 0 : 2 };
    default: {
      const load = MODULE_COMMANDS[command];
      if (!load) throw new UsageError(`Unknown command "${command}".`);
      return (await load()).run(rest);
    }
  }
}

try {
  const { stdout, exitCode } = await main(process.argv.slice(2));
  if (stdout) process.stdout.write(stdout.endsWith('\n') ? stdout : stdout + '\n');
  process.exitCode = exitCode;
} catch (error) {
  const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`catalog: ${(error as Error).message}\n${usage ? '\n' + USAGE : ''}`);
  process.exitCode = 2;
}
