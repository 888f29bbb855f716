import fs from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { workflowBundle } from './helpers/stack';

const root = path.join(__dirname, '..');
// The very rule object eslint.config.mjs applies to workflows/.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const boundaryRules = require('../eslint.workflow-boundary.cjs') as NonNullable<ESLint.Options['overrideConfig']>;

/** Lints `code` as if it were a file under workflows/, with only the boundary rule (no type information needed). */
async function boundaryMessages(code: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['workflows/**/*.ts'],
        languageOptions: { parser: tseslint.parser },
        plugins: { '@typescript-eslint': tseslint.plugin },
        rules: boundaryRules as never,
      },
    ],
  });
  const [result] = await eslint.lintText(code, { filePath: path.join(root, 'workflows', 'probe.ts') });
  return result!.messages.map((m) => m.message);
}

test('lint refuses a workflow file that imports Node built-ins, packages or code outside workflows/', async () => {
  for (const source of [`import fs from 'node:fs';`, `import pino from 'pino';`, `import { loadConfig } from '../src/config';`, `import '@temporalio/activity';`]) {
    const messages = await boundaryMessages(`${source}\nexport const x = 1;\n`);
    expect(messages).toEqual([expect.stringContaining('deterministic sandbox')]);
  }
});

test('lint lets a workflow file import @temporalio/workflow, its siblings and types from anywhere', async () => {
  const messages = await boundaryMessages(
    [
      `import * as wf from '@temporalio/workflow';`,
      `import { statusCodes } from './status-codes';`,
      `import type { FunctionActivities } from '../activities/types';`,
      `export const x = [wf, statusCodes] as unknown as FunctionActivities;`,
    ].join('\n'),
  );
  expect(messages).toEqual([]);
});

test('every file under workflows/ imports only what the sandbox allows', async () => {
  for (const file of fs.readdirSync(path.join(root, 'workflows'))) {
    const messages = await boundaryMessages(fs.readFileSync(path.join(root, 'workflows', file), 'utf8'));
    expect({ file, messages }).toEqual({ file, messages: [] });
  }
});

test('the workflow code bundles for the sandbox without any of the service modules', async () => {
  const { code } = await workflowBundle();
  expect(code).toContain('functionEventWorkflow');
  // Bundled modules appear by path, so an import of a service module would show up as one of these.
  expect(code).toContain('node_modules/@temporalio/workflow/');
  const modules = ['better-sqlite3', 'pino', 'koa', '@temporalio/activity', 'yauzl'].map((m) => `node_modules/${m}/`);
  for (const forbidden of [...modules, 'node:child_process', 'launchNodeFunction', 'src/registry/']) {
    expect({ forbidden, found: code.includes(forbidden) }).toEqual({ forbidden, found: false });
  }
});
