import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'pipeline/**/*.test.ts',
      'bench/**/*.test.ts',
      'scripts/**/*.test.ts',
      'installer/**/*.test.ts',
      'edge/**/*.test.ts',
      'site/**/*.test.ts',
    ],
    // The CLI tests spawn tsx; give them room on a 2-core machine.
    testTimeout: 60_000,
  },
});
