import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CodeStore } from '../src/registry/code-store';
import { type SandboxIdentity, giveWorkDir, sandboxIdentity, sandboxRunners, shareCodeWith } from '../src/runtime/sandbox';
import type { EventInput } from '../workflows/contracts';

/** Where one attempt runs: its code, its own working directory, and the user it runs as. */
export interface EventPlace {
  codeDir: string;
  workDir: string;
  identity: SandboxIdentity | undefined;
  /** Where the runner scripts are read from, when not beside the worker's code. */
  runnerDir?: string;
}

/**
 * The sandbox's directories live outside the data dir, which stays private to the service: `code/<sha>`
 * (readable by that package's group only) and `events/<dir>` (one per attempt, its user's only). Both
 * parents are 0711, so a function can reach what it was given without listing what others were given.
 */
async function sandboxRoot(workRoot: string): Promise<{ code: string; events: string }> {
  const root = path.join(workRoot, 'longhaul-sandbox');
  const code = path.join(root, 'code');
  const events = path.join(root, 'events');
  for (const dir of [root, code, events]) {
    await fs.promises.mkdir(dir, { recursive: true });
    await fs.promises.chmod(dir, 0o711);
  }
  return { code, events };
}

export async function prepareEventPlace(
  deps: { codeStore: CodeStore; workRoot?: string; sandbox: boolean },
  input: EventInput,
  attempt: number,
): Promise<EventPlace> {
  const workRoot = deps.workRoot ?? os.tmpdir();
  const identity = deps.sandbox ? sandboxIdentity(input.requestId, attempt, input.fn.codeSha256) : undefined;
  if (!identity) {
    const codeDir = await deps.codeStore.unpacked(input.fn.codeSha256);
    const workDir = await fs.promises.mkdtemp(path.join(workRoot, 'longhaul-event-'));
    return { codeDir, workDir, identity };
  }
  const root = await sandboxRoot(workRoot);
  const codeDir = await deps.codeStore.unpacked(input.fn.codeSha256, root.code);
  await shareCodeWith(codeDir, identity);
  const workDir = await fs.promises.mkdtemp(path.join(root.events, 'event-'));
  await giveWorkDir(workDir, identity);
  return { codeDir, workDir, identity, runnerDir: await sandboxRunners(path.dirname(root.code)) };
}
