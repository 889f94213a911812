/**
 * Strict JSON parsing that keeps positions. JSON.parse would silently keep the last of two
 * duplicate keys and reports no line numbers, so catalog files go through jsonc-parser's tree,
 * which gives both: every error names a line and column, and a JSON pointer can be located.
 */
import {
  parseTree,
  findNodeAtLocation,
  getNodeValue,
  printParseErrorCode,
  type Node,
  type ParseError,
} from 'jsonc-parser';
import { parsePointer, pointer, type Finding } from './issues.ts';

export interface JsonSource {
  /** The parsed value; undefined when the text is not valid JSON. */
  value: unknown;
  /** Syntax errors, BOM and duplicate keys. */
  findings: Finding[];
  /** Line and column (1-based) of the value at a JSON pointer, or of its nearest existing ancestor. */
  locate(path: string): { line: number; column: number } | undefined;
}

const MAX_DEPTH = 64;
const PARSE_DEPTH_GUARD = 512;

export function parseJson(text: string): JsonSource {
  const findings: Finding[] = [];
  const lineStarts = lazyLineStarts(text);
  const position = (offset: number) => {
    const starts = lineStarts();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };

  const bom = text.charCodeAt(0) === 0xfeff;
  if (bom) {
    findings.push({
      code: 'json-bom',
      path: '',
      message: 'The file starts with a byte-order mark; save it as UTF-8 without BOM.',
    });
  }
  // jsonc-parser recurses per nesting level and overflows the stack at a few thousand levels, so
  // absurd nesting is refused before parsing; depth past MAX_DEPTH but below this gets a pointer.
  if (bracketDepth(text) > PARSE_DEPTH_GUARD) {
    findings.push({
      code: 'json-too-deep',
      path: '',
      message: `Nesting is deeper than ${PARSE_DEPTH_GUARD} levels; the limit is ${MAX_DEPTH}.`,
    });
    return { value: undefined, findings, locate: () => undefined };
  }
  const errors: ParseError[] = [];
  // Parse past the BOM (a space keeps every offset, so positions stay right) to report what else is wrong.
  const tree = parseTree(bom ? ' ' + text.slice(1) : text, errors, {
    disallowComments: true,
    allowTrailingComma: false,
    allowEmptyContent: false,
  });
  // Only the first syntax error: the ones after it are usually its echo.
  for (const error of errors.slice(0, 1)) {
    const at = position(error.offset);
    findings.push({
      code: 'json-syntax',
      path: '',
      message: `Invalid JSON: ${describeParseError(printParseErrorCode(error.error))}.`,
      ...at,
    });
  }
  if (tree && errors.length === 0) checkStructure(tree, [], 0, findings);

  const valid = tree !== undefined && errors.length === 0;
  return {
    value: valid ? getNodeValue(tree) : undefined,
    findings,
    locate(path) {
      if (!tree) return undefined;
      const segments: (string | number)[] = parsePointer(path).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
      // Walk up until an existing node is found: a missing property is reported at its parent.
      for (let n = segments.length; n >= 0; n--) {
        const node = findNodeAtLocation(tree, segments.slice(0, n));
        if (node) {
          // Point at the key of a property rather than its value, which is where editors put the cursor.
          const keyNode = node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
          return position((keyNode ?? node).offset);
        }
      }
      return undefined;
    },
  };
}

function checkStructure(node: Node, path: (string | number)[], depth: number, findings: Finding[]): void {
  if (depth > MAX_DEPTH) {
    findings.push({
      code: 'json-too-deep',
      path: pointer(...path),
      message: `Nesting is deeper than ${MAX_DEPTH} levels.`,
    });
    return;
  }
  if (node.type === 'object') {
    const seen = new Set<string>();
    for (const property of node.children ?? []) {
      const [keyNode, valueNode] = property.children ?? [];
      const key = String(keyNode?.value);
      if (seen.has(key)) {
        findings.push({
          code: 'json-duplicate-key',
          path: pointer(...path, key),
          message: `The key "${key}" appears more than once; readers disagree on which one wins, so keep exactly one.`,
        });
      }
      seen.add(key);
      if (valueNode) checkStructure(valueNode, [...path, key], depth + 1, findings);
    }
  } else if (node.type === 'array') {
    (node.children ?? []).forEach((child, i) => checkStructure(child, [...path, i], depth + 1, findings));
  }
}

/** Deepest bracket nesting outside strings, in one pass without recursion. */
function bracketDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

function describeParseError(code: string): string {
  const words = code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  if (code === 'CommaExpected') return 'a comma is missing';
  if (code === 'InvalidCommentToken') return 'comments are not allowed in JSON';
  if (code === 'ValueExpected') return 'a value is missing (trailing comma?)';
  if (code === 'PropertyNameExpected') return 'a property name is missing (trailing comma?)';
  return words;
}

function lazyLineStarts(text: string): () => number[] {
  let starts: number[] | undefined;
  return () => {
    if (!starts) {
      starts = [0];
      for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
    }
    return starts;
  };
}
