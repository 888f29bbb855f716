// The deterministic-sandbox boundary for workflow code, shared by eslint.config.mjs and the test that proves
// it catches a forbidden import. Workflow files may import only @temporalio/workflow and sibling files;
// type-only imports may come from anywhere (they vanish at compile time).
module.exports = {
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          regex: '^(?!@temporalio/workflow$|\\./[^/]+$)',
          allowTypeImports: true,
          message:
            'Workflow code runs in a deterministic sandbox: import only @temporalio/workflow and sibling files (types may come from anywhere).',
        },
      ],
    },
  ],
};
