/** Small helpers shared by the benchmark scripts: timing, child processes, output. */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface Timing {
  runs: number;
  median_ms: number;
  min_ms: number;
  max_ms: number;
}

/** Runs from `BENCH_RUNS`, default 5; a bad value fails loudly rather than measuring something else. */
export function runsFromEnv(): number {
  const raw = process.env.BENCH_RUNS ?? '5';
  const runs = Number(raw);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`BENCH_RUNS must be a positive integer, got "${raw}"`);
  return runs;
}

/**
 * Times `fn` `runs` times, one after another, and checks each result outside the timed span, so a
 * failing command stops the benchmark. Returns the last result for figures that report on it.
 */
export async function measure<T>(
  runs: number,
  fn: () => Promise<T>,
  check: (result: T) => void,
): Promise<{ timing: Timing; last: T }> {
  const times: number[] = [];
  let last: T | undefined;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    last = await fn();
    times.push(performance.now() - start);
    check(last);
  }
  times.sort((a, b) => a - b);
  const mid = Math.floor(runs / 2);
  const median = runs % 2 === 1 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
  const timing = {
    runs,
    median_ms: Math.round(median),
    min_ms: Math.round(times[0]!),
    max_ms: Math.round(times[runs - 1]!),
  };
  return { timing, last: last as T };
}

/** One figure is one JSON line on stdout, so results can be appended to a file and diffed over time. */
export function figure(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(fields)}\n`);
}

/** `a / b` with two decimals: enough to compare machines, not so many that noise looks meaningful. */
export function ratio(a: number, b: number): number {
  return Math.round((a / Math.max(b, 1)) * 100) / 100;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns a command without a shell and resolves when it exits, whatever its exit code. */
export function run(command: string, args: readonly string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Like `run`, but a non-zero exit is an error: for setup steps, where failure means no benchmark. */
export async function runOk(command: string, args: readonly string[], cwd: string): Promise<string> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code}\n${result.stderr}`);
  }
  return result.stdout;
}

/** Runs `fn` over `items` with at most `limit` in flight: thousands of files at once would exhaust file handles. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
