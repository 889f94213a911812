/**
 * The values a server needs from the user: MCPB `user_config` fields and the listing's
 * environment variables, arguments and headers. Each comes from `--set key=value` (repeat the
 * key for a `multiple` field), else from a prompt on a TTY, else from its default; `--yes` with a
 * required value missing is an error naming the field. Checked as the MCPB reference says:
 * `directory` and `file` must exist (a file's folder, for a file the server creates), `number`
 * within `min` and `max`, `boolean` true or false, a listing input within its `choices`.
 */
import type { LaunchInput, UserConfigField } from '../pipeline/core/client-config.ts';
import { InstallerError } from './errors.ts';
import { expandDefault } from './mcpb-config.ts';

export interface ValueContext {
  home: string;
  platform: 'linux' | 'darwin' | 'win32';
  /** `--set` pairs, by key, in order. */
  given: Record<string, string[]>;
  /** Whether a path exists: 'file', 'directory' or undefined. */
  pathKind(path: string): 'file' | 'directory' | undefined;
  /** Asks on a TTY; undefined when there is no TTY or --yes was given. */
  ask?: (input: LaunchInput, field: UserConfigField | undefined) => Promise<string | undefined>;
}

export interface CollectedValues {
  /** Non-secret values by input id (several for a `multiple` field). */
  values: Record<string, string[]>;
  /** Secret values by input id; never written to a world-readable file. */
  secrets: Record<string, string>;
}

export async function collectValues(
  inputs: readonly LaunchInput[],
  userConfig: Record<string, UserConfigField>,
  context: ValueContext,
): Promise<CollectedValues> {
  const values: Record<string, string[]> = {};
  const secrets: Record<string, string> = {};
  const problems: InstallerError[] = [];
  const known = new Set(inputs.map((i) => i.id));
  for (const key of Object.keys(context.given))
    if (!known.has(key))
      problems.push(
        new InstallerError(
          'invalid-value',
          `--set ${key}: this server takes no value called ${key}${known.size ? ` (it takes ${[...known].join(', ')})` : ''}.`,
          {
            field: key,
          },
        ),
      );
  for (const input of inputs) {
    const field = input.kind === 'user_config' ? userConfig[input.id] : undefined;
    let list = context.given[input.id];
    if (list === undefined && context.ask) {
      const answer = await context.ask(input, field);
      if (answer !== undefined && answer !== '')
        list = field?.multiple
          ? answer
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : [answer];
    }
    if (list === undefined && input.default !== undefined) {
      const defaults =
        field?.multiple && Array.isArray(field.default) ? (field.default as unknown[]).map(String) : [input.default];
      list = defaults.map((d) => expandDefault(d, context));
    }
    if (list === undefined || list.length === 0) {
      if (input.required)
        problems.push(
          new InstallerError(
            'missing-value',
            `${input.title} (${input.id}) is required: pass --set ${input.id}=VALUE.`,
            {
              field: input.id,
              ...(input.description ? { hint: input.description } : {}),
            },
          ),
        );
      continue;
    }
    if (list.length > 1 && !field?.multiple)
      problems.push(
        new InstallerError('invalid-value', `${input.id} takes one value; got ${list.length}.`, { field: input.id }),
      );
    for (const value of list) {
      const problem = checkValue(input, field, value, context);
      if (problem) problems.push(new InstallerError('invalid-value', `${input.id}: ${problem}`, { field: input.id }));
    }
    if (input.secret) secrets[input.id] = list.join(',');
    else values[input.id] = list;
  }
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) {
    const { InstallerErrors } = await import('./errors.ts');
    throw new InstallerErrors(problems);
  }
  return { values, secrets };
}

function checkValue(
  input: LaunchInput,
  field: UserConfigField | undefined,
  value: string,
  context: ValueContext,
): string | undefined {
  const type = field?.type ?? input.format;
  if (/[\0\r\n]/.test(value)) return 'control characters are not allowed';
  switch (type) {
    case 'directory':
      if (context.pathKind(value) !== 'directory') return `${value} is not an existing directory`;
      return undefined;
    case 'file': {
      const kind = context.pathKind(value);
      if (kind === 'directory') return `${value} is a directory, not a file`;
      if (kind === undefined) {
        const parent = value.replace(/[\\/][^\\/]*$/, '') || '/';
        if (context.pathKind(parent) !== 'directory') return `neither ${value} nor its folder exists`;
      }
      return undefined;
    }
    case 'filepath':
      return undefined;
    case 'number': {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) return `${value} is not a number`;
      if (field?.min !== undefined && n < field.min) return `${value} is below the minimum ${field.min}`;
      if (field?.max !== undefined && n > field.max) return `${value} is above the maximum ${field.max}`;
      return undefined;
    }
    case 'boolean':
      return value === 'true' || value === 'false' ? undefined : `${value} is not true or false`;
    default:
      if (input.choices && !input.choices.includes(value)) return `${value} is not one of ${input.choices.join(', ')}`;
      return undefined;
  }
}
