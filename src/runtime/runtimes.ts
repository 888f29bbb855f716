import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** The three ways longhaul runs user code (see docs/runtimes.md). */
export type RuntimeKind = 'node' | 'python3' | 'custom';

export interface RuntimeFamily {
  kind: RuntimeKind;
  /** The SCF runtime names of this family, case-sensitive as in SCF. */
  pattern: RegExp;
  /** SCF names of the family, for messages and docs; any name the pattern accepts is valid. */
  examples: string[];
}

/**
 * SCF runtime names → the local runtime that runs them. The version in a name is recorded, never honoured:
 * every Nodejs* name runs on the worker's own Node.js, every Python3* name on the machine's python3.
 * Names outside this table (Go1, Java8, Php7, Python2.7, ...) are refused when a function is created.
 */
export const runtimeFamilies: readonly RuntimeFamily[] = [
  {
    kind: 'node',
    pattern: /^Nodejs\d+(\.\d+)?$/,
    examples: ['Nodejs20.15', 'Nodejs18.15', 'Nodejs16.13', 'Nodejs14.18', 'Nodejs12.16'],
  },
  {
    kind: 'python3',
    pattern: /^Python3(\.\d+)?$/,
    examples: ['Python3.12', 'Python3.11', 'Python3.10', 'Python3.9', 'Python3.7', 'Python3.6'],
  },
  { kind: 'custom', pattern: /^CustomRuntime$/, examples: ['CustomRuntime'] },
];

/** One pattern for every accepted name, for the OpenAPI schema (which must agree with validation). */
export const runtimeNamePattern = `^(${runtimeFamilies.map((f) => f.pattern.source.slice(1, -1)).join('|')})$`;

/** The local runtime of an SCF runtime name, or undefined when longhaul does not run it. */
export function runtimeKindOf(name: string): RuntimeKind | undefined {
  return runtimeFamilies.find((family) => family.pattern.test(name))?.kind;
}

export interface PythonInterpreter {
  /** Absolute path of the real interpreter, not a shim (pyenv's shims need variables user code does not get). */
  executable: string;
  version: string;
}

let python: Promise<PythonInterpreter> | undefined;

/**
 * The machine's python3: `LONGHAUL_PYTHON3` when set, else `python3` on the worker's PATH, asked once for its
 * real executable. A failed lookup is not cached, so installing Python later needs no restart.
 */
export function python3Interpreter(env: NodeJS.ProcessEnv = process.env): Promise<PythonInterpreter> {
  if (!python) {
    python = findPython3(env.LONGHAUL_PYTHON3 || 'python3', env);
    python.catch(() => (python = undefined));
  }
  return python;
}

const systemPython3 = '/usr/bin/python3';

/** Whether any user may run the file: it and every directory above it are open to others. */
function runnableByOthers(file: string): boolean {
  try {
    if ((fs.statSync(file).mode & 0o001) === 0) return false;
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
      if ((fs.statSync(dir).mode & 0o001) === 0) return false;
      if (dir === path.dirname(dir)) return true;
    }
  } catch {
    return false;
  }
}

async function findPython3(command: string, env: NodeJS.ProcessEnv): Promise<PythonInterpreter> {
  const script = 'import sys, platform; print(sys.executable); print(platform.python_version())';
  try {
    const { stdout } = await promisify(execFile)(command, ['-c', script], { env, timeout: 15_000 });
    const [executable, version] = stdout.trim().split('\n');
    if (!executable || !version?.startsWith('3.'))
      throw new Error(`${command} is not Python 3 (${stdout.trim()})`);
    // Sandboxed functions run as other users: an interpreter under a private home (pyenv in /root) is out
    // of their reach, so the system's is used instead.
    if (!env.LONGHAUL_PYTHON3 && !runnableByOthers(executable) && command !== systemPython3 && runnableByOthers(systemPython3)) {
      return findPython3(systemPython3, env);
    }
    return { executable, version };
  } catch (err) {
    throw new Error(
      `No usable python3 on this worker (${command}): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
