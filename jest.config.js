/** Jest runs TypeScript through SWC: no type checking here (that is `npm run typecheck`), just fast transforms. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  // Each file starts its own Temporal dev server; two cores run two files at once comfortably.
  maxWorkers: 2,
  testTimeout: 120000,
};
