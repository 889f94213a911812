/**
 * The machine's admin-managed policy (schemas/admin-policy.schema.json), as MDM tools deploy it:
 * one fixed path per OS, readable by users, writable only by administrators. It sits above
 * everything the user passes: it can pin the catalog and its signing identity, name the policy
 * and group, add denials, or disable installs.
 *
 * Where it is read from cannot be moved by a flag or an environment variable: the path is fixed
 * per `process.platform` (never MCP_CATALOG_PLATFORM, which a user could set), and on Windows it
 * is `C:\ProgramData` itself rather than `%ProgramData%`, which a user can redefine in their own
 * environment. The one other path is a build-time constant (`__MCP_CATALOG_ADMIN_POLICY__`), which
 * only the tests set, through installer/build.ts's programmatic API; the shipped `install.mjs`,
 * built by pipeline/run.ts and by `node installer/build.ts`, has no way to set it.
 *
 * A file that is there but cannot be read, parsed or validated refuses every install, naming the
 * file and the field; it never falls back to no policy.
 */
import { readFile } from 'node:fs/promises';
import type { PolicyOverlay } from '../pipeline/core/policy.ts';
import type { AdminPolicy } from '../pipeline/core/schema-types.gen.ts';
import { validateSchema } from '../pipeline/core/schema-validator.ts';
import { InstallerError } from './errors.ts';
import type { PinnedIdentity } from './pin.ts';

export const ADMIN_POLICY_PATHS = {
  linux: '/etc/mcp-catalog/policy.json',
  darwin: '/Library/Application Support/MCP Catalog/policy.json',
  win32: 'C:\\ProgramData\\MCP Catalog\\policy.json',
} as const;

declare const __MCP_CATALOG_ADMIN_POLICY__: string | null | undefined;

/** The one path this installer reads its admin policy from. */
export function adminPolicyPath(): string {
  if (typeof __MCP_CATALOG_ADMIN_POLICY__ === 'string') return __MCP_CATALOG_ADMIN_POLICY__;
  return process.platform === 'win32'
    ? ADMIN_POLICY_PATHS.win32
    : process.platform === 'darwin'
      ? ADMIN_POLICY_PATHS.darwin
      : ADMIN_POLICY_PATHS.linux;
}

export type AdminState =
  | { kind: 'none'; file: string }
  | { kind: 'ok'; file: string; policy: AdminPolicy }
  | { kind: 'invalid'; file: string; error: InstallerError };

const HINT = 'Ask your administrator to fix it; until then this machine installs nothing.';

/** Reads and checks the admin policy at `file`. Never throws: a broken file is a state that refuses installs. */
export async function readAdminPolicy(file: string): Promise<AdminState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none', file };
    return invalid(file, '', `it cannot be read (${(error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return invalid(file, '', `it is not JSON (${(error as Error).message})`);
  }
  const problems = validateSchema('admin-policy', value);
  if (problems.length) {
    const first = problems[0]!;
    return invalid(
      file,
      first.path,
      `at ${first.path || '/'}, ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : ''}`,
    );
  }
  return { kind: 'ok', file, policy: value as AdminPolicy };
}

function invalid(file: string, field: string, detail: string): AdminState {
  return {
    kind: 'invalid',
    file,
    error: new InstallerError(
      'admin-policy-invalid',
      `The admin policy ${file} is invalid: ${detail}. Every install is refused until it is fixed.`,
      { file, field, hint: HINT },
    ),
  };
}

/** Refuses an install, update, rollback or onboarding when the admin policy is broken or disables them. */
export function assertInstallsAllowed(state: AdminState): void {
  if (state.kind === 'invalid') throw state.error;
  if (state.kind === 'ok' && state.policy.disableInstalls)
    throw new InstallerError(
      'installs-disabled',
      `The admin policy ${state.file} disables installs on this machine.${state.policy.contact ? ` Ask ${state.policy.contact}.` : ''}`,
      { file: state.file, field: '/disableInstalls' },
    );
}

/** The denials the admin policy adds on top of the catalog policy. */
export function overlayOf(state: AdminState): PolicyOverlay | undefined {
  if (state.kind !== 'ok') return undefined;
  const { deny, denyCapabilities } = state.policy;
  if (!deny && !denyCapabilities) return undefined;
  return { ...(deny ? { deny } : {}), ...(denyCapabilities ? { denyCapabilities } : {}) };
}

/** The signing identity the admin policy pins, replacing the one built in. */
export function identityOf(state: AdminState, built: PinnedIdentity): PinnedIdentity {
  if (state.kind !== 'ok' || !state.policy.signing) return built;
  const signing = state.policy.signing;
  if (signing.mode === 'key') return { mode: 'key', publicKeyPem: signing.publicKeyPem };
  return {
    mode: 'keyless',
    issuer: signing.issuer ?? 'https://token.actions.githubusercontent.com',
    workflow: signing.workflow,
    repositoryId: signing.repositoryId,
  };
}
