/**
 * Preloaded into a measured child (`node --import ./bench/report-rss.ts ...`): on exit it prints
 * the process's peak resident set to stderr, where bench/scan.ts reads it. Measuring from inside
 * needs no external tool such as GNU time, which a fresh machine may lack.
 */
process.on('exit', () => {
  process.stderr.write(`\nmaxrss_kb=${process.resourceUsage().maxRSS}\n`);
});
