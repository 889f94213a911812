/**
 * The catalog's command line: `npm run catalog -- <command> ...`.
 * Exit codes: 0 success, 1 the input has errors, 2 the command could not run.
 */
import { parseArgs } from 'node:util';
import { UsageError, type CommandResult } from './commands/args.ts';

const USAGE = `Usage: npm run catalog -- <command> [options]

Commands:
  validate [--root DIR] [--changed-since REF] [--author LOGIN] [--json]
      Check every catalog file (or only what changed since REF) against the schemas and rules.
  import --from official|mcpm|docker <file-or-dir> --out ROOT [--only ID,...]
         [--upstream-commit SHA] [--upstream-path PATH] [--json]
      Turn another registry's data into catalog files; entries that cannot be valid listings
      are reported with a code and reason and not written.
`;

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
        },
      });
      // Commands load lazily: validate runs on every pull request and should not pay for the importers.
      const { validateCommand } = await import('./commands/validate.ts');
      return validateCommand({
        ...(values.root ? { root: values.root } : {}),
        ...(values['changed-since'] ? { changedSince: values['changed-since'] } : {}),
        ...(values.author ? { author: values.author } : {}),
        json: values.json ?? false,
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
    case undefined:
    case 'help':
    case '--help':
      return { stdout: USAGE, exitCode: command ? 0 : 2 };
    default:
      throw new UsageError(`Unknown command "${command}".`);
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
