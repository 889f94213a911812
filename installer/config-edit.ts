/**
 * Pure edits of a client's config file text: put or remove one server entry (and, for VS Code,
 * its `inputs`), keeping every other entry and the file's own formatting (indentation, key order,
 * comments where the client allows them), through jsonc-parser's minimal text edits.
 *
 * A file that is not valid JSON is never rewritten: the edit throws `config-invalid-json` naming
 * the file, and the caller leaves it untouched.
 */
import {
  applyEdits,
  modify,
  parseTree,
  printParseErrorCode,
  type FormattingOptions,
  type ParseError,
} from 'jsonc-parser';
import type { ClientId, TopKey, VsCodeInput } from '../pipeline/core/client-config.ts';
import { InstallerError } from './errors.ts';

/** VS Code's mcp.json is JSONC (comments, trailing commas); the others are strict JSON. */
const allowsComments = (client: ClientId) => client === 'vscode';

export function parseConfig(client: ClientId, file: string, text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === '') return {};
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, {
    allowTrailingComma: allowsComments(client),
    disallowComments: !allowsComments(client),
  });
  const first = errors[0];
  if (first || !tree) {
    const line = first ? text.slice(0, first.offset).split('\n').length : 1;
    throw new InstallerError(
      'config-invalid-json',
      `${file} is not valid JSON (${first ? printParseErrorCode(first.error) : 'empty'} at line ${line}); it was left untouched.`,
      { file, hint: 'Fix the file (or move it away) and run the command again.' },
    );
  }
  if (tree.type !== 'object')
    throw new InstallerError('config-invalid-json', `${file} does not hold a JSON object; it was left untouched.`, {
      file,
    });
  const value = JSON.parse(JSON.stringify(nodeValue(text, client)));
  return value as Record<string, unknown>;
}

function nodeValue(text: string, client: ClientId): unknown {
  // jsonc-parser's `parse` tolerates what parseTree already proved absent.
  if (!allowsComments(client)) return JSON.parse(text);
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true });
  return tree ? toValue(tree) : {};
}

function toValue(node: import('jsonc-parser').Node): unknown {
  switch (node.type) {
    case 'object':
      return Object.fromEntries(
        (node.children ?? []).map((p) => [p.children![0]!.value as string, toValue(p.children![1]!)]),
      );
    case 'array':
      return (node.children ?? []).map(toValue);
    default:
      return node.value;
  }
}

/** Indentation and line ends as the file has them (two spaces and \n for a new file). */
export function formattingOf(text: string | undefined): FormattingOptions {
  const eol = text?.includes('\r\n') ? '\r\n' : '\n';
  const indented = text?.match(/\n([ \t]+)\S/);
  if (indented?.[1]?.startsWith('\t')) return { insertSpaces: false, tabSize: 1, eol };
  return { insertSpaces: true, tabSize: indented?.[1]?.length ?? 2, eol };
}

export interface EntryEdit {
  client: ClientId;
  file: string;
  topKey: TopKey;
  key: string;
  /** The new entry; undefined removes it. */
  entry: Record<string, unknown> | undefined;
  /** VS Code: inputs to put (replacing those with the same id). */
  inputs?: VsCodeInput[];
  /** VS Code: input ids to remove (the ones this server added before). */
  removeInputs?: string[];
}

/** The file's new text; `text` undefined means the file does not exist yet. */
export function editConfig(text: string | undefined, edit: EntryEdit): string {
  const current = parseConfig(edit.client, edit.file, text);
  const formatting = formattingOf(text);
  let out = text === undefined || text.trim() === '' ? '{}' : text;
  const apply = (path: (string | number)[], value: unknown) => {
    out = applyEdits(out, modify(out, path, value, { formattingOptions: formatting }));
  };
  const servers = current[edit.topKey];
  if (servers !== undefined && (typeof servers !== 'object' || servers === null || Array.isArray(servers)))
    throw new InstallerError(
      'config-invalid-json',
      `${edit.file}: "${edit.topKey}" is not an object; it was left untouched.`,
      {
        file: edit.file,
        field: edit.topKey,
      },
    );
  if (edit.client === 'vscode') {
    const existing = Array.isArray(current.inputs) ? (current.inputs as { id?: unknown }[]) : [];
    const drop = new Set([...(edit.removeInputs ?? []), ...(edit.inputs ?? []).map((i) => i.id)]);
    if (current.inputs !== undefined && !Array.isArray(current.inputs))
      throw new InstallerError(
        'config-invalid-json',
        `${edit.file}: "inputs" is not an array; it was left untouched.`,
        {
          file: edit.file,
          field: 'inputs',
        },
      );
    // Remove from the end so that indexes stay valid.
    for (let i = existing.length - 1; i >= 0; i--)
      if (drop.has(existing[i]?.id as string)) apply(['inputs', i], undefined);
    const remaining = existing.filter((i) => !drop.has(i?.id as string)).length;
    (edit.inputs ?? []).forEach((input, n) => {
      if (current.inputs === undefined && n === 0 && remaining === 0) apply(['inputs'], [input]);
      else apply(['inputs', remaining + n], input);
    });
  }
  if (edit.entry === undefined) {
    if (servers && edit.key in (servers as object)) apply([edit.topKey, edit.key], undefined);
  } else {
    apply([edit.topKey, edit.key], edit.entry);
  }
  if (!out.endsWith('\n') && (text === undefined || text.endsWith('\n') || text.trim() === ''))
    out += formatting.eol ?? '\n';
  return out;
}

/** The entry at `topKey.key`, if any. */
export function currentEntry(config: Record<string, unknown>, topKey: TopKey, key: string): unknown {
  const servers = config[topKey];
  return servers && typeof servers === 'object' ? (servers as Record<string, unknown>)[key] : undefined;
}
