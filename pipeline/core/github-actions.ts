/**
 * What a workflow command decides to do on GitHub, as data. The planners of the workflow
 * commands (PR feedback, issue forms, approvals, the update bot, re-verification, failure
 * reports) are pure: an event payload and the checkout in, a list of these out. One adapter,
 * `pipeline/adapters/github-repo.ts`, carries them out with octokit, so every GitHub write the
 * catalog makes goes through one place, and tests assert the plan before they assert the effect.
 *
 * Every action is idempotent by construction, because workflows re-run: a pull request is keyed
 * by its head branch, a comment or an issue by a hidden marker in its body.
 */

/** One file of a pull request: its whole new text, or `null` to delete it. Paths are repository-relative, `/`-separated. */
export interface FileChange {
  path: string;
  content: string | null;
}

/** Open a pull request from a new branch with one commit. Skipped when any pull request (open, closed or merged) already came from `branch`. */
export interface PullRequestAction {
  kind: 'pull-request';
  branch: string;
  /** Target branch; the repository's default branch when absent. */
  base?: string;
  title: string;
  body: string;
  commitMessage: string;
  files: FileChange[];
  labels?: string[];
  /** Commit author, e.g. the person an issue form speaks for; the token's identity when absent. */
  author?: { name: string; email: string };
}

/**
 * Comment on an issue or pull request. With `marker`, the one earlier comment whose body holds
 * `markerComment(marker)` is edited in place instead of adding another (one PR comment, updated on each push).
 */
export interface CommentAction {
  kind: 'comment';
  issue: number;
  body: string;
  marker?: string;
}

/** Open an issue, or update the open one whose body holds `markerComment(marker)` (one issue per failing workflow, per mismatch). */
export interface IssueAction {
  kind: 'issue';
  marker: string;
  title: string;
  body: string;
  labels?: string[];
}

/** Add and remove labels on an issue or pull request. */
export interface LabelAction {
  kind: 'labels';
  issue: number;
  add?: string[];
  remove?: string[];
}

/** Close an issue (after its pull request is open, or when a form is refused for good). */
export interface CloseAction {
  kind: 'close';
  issue: number;
  reason: 'completed' | 'not_planned';
}

export type GitHubAction = PullRequestAction | CommentAction | IssueAction | LabelAction | CloseAction;

export interface GitHubActionResult {
  action: GitHubAction;
  /** `skipped`: already done by an earlier run (the branch has a pull request; the issue exists and is unchanged). */
  outcome: 'created' | 'updated' | 'skipped';
  /** Number of the pull request, issue or the commented issue. */
  number?: number;
  /** html_url of what was created or updated. */
  url?: string;
}

/** The marker a body carries so that a later run finds it: an HTML comment GitHub does not render. */
export function markerComment(marker: string): string {
  return `<!-- mcp-catalog:${marker} -->`;
}
