import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Who a function's processes run as. Each event gets its own user id, so two events never share one
 * (no reading each other's files or /proc, and the process limit counts per event); each code package
 * gets its own group id, the only group that can read that package's unpacked files. Neither needs an
 * /etc/passwd entry: the kernel only checks numbers.
 */
export interface SandboxIdentity {
  uid: number;
  gid: number;
}

/** Ids well above any a distribution hands out, below the 2^31 many tools treat as signed. */
const idBase = 2 ** 24;
const idSpan = 2 ** 30;

function idOf(kind: string, value: string): number {
  const digest = createHash('sha256').update(`${kind}:${value}`).digest();
  return idBase + (digest.readUInt32BE(0) % idSpan);
}

/** Switching users needs root; without it functions run as the service user (said in the README). */
export function sandboxAvailable(): boolean {
  return process.getuid?.() === 0;
}

export function sandboxIdentity(requestId: string, attempt: number, codeSha256: string): SandboxIdentity | undefined {
  if (!sandboxAvailable()) return undefined;
  return { uid: idOf('event', `${requestId}/${attempt}`), gid: idOf('code', codeSha256) };
}

/** The runner scripts the worker starts user code with; they run as the event's user. */
const runnerFiles = ['node-runner.cjs', 'python-runner.py'];
const runnerCopies = new Map<string, Promise<string>>();

/**
 * Copies of the runners where every user can read them: the service may be installed in a directory
 * others cannot enter (a clone under a 0700 temp dir, /root), which the event's user could not load them
 * from. Copied once per worker process.
 */
export function sandboxRunners(root: string): Promise<string> {
  let copy = runnerCopies.get(root);
  if (!copy) {
    copy = (async () => {
      const contents = await Promise.all(runnerFiles.map((file) => fs.promises.readFile(path.join(__dirname, file))));
      const digest = createHash('sha256');
      for (const content of contents) digest.update(content);
      // Named by content: workers of one deploy share the copy, a new deploy gets its own.
      const dir = path.join(root, `runners-${digest.digest('hex').slice(0, 16)}`);
      await fs.promises.mkdir(dir, { recursive: true });
      await fs.promises.chmod(dir, 0o755);
      for (const [i, file] of runnerFiles.entries()) {
        const temp = path.join(dir, `.${file}.${process.pid}.tmp`);
        await fs.promises.writeFile(temp, contents[i]!, { mode: 0o644 });
        await fs.promises.rename(temp, path.join(dir, file)); // atomic: a starting event never reads half a file
      }
      return dir;
    })();
    copy.catch(() => runnerCopies.delete(root));
    runnerCopies.set(root, copy);
  }
  return copy;
}

/** The event's working directory belongs to its user alone. */
export async function giveWorkDir(workDir: string, identity: SandboxIdentity): Promise<void> {
  await fs.promises.chown(workDir, identity.uid, identity.gid);
  await fs.promises.chmod(workDir, 0o700);
}

/**
 * Lets the package's group read its unpacked code and nobody else: directories 0750, files 0640 (0750 when
 * executable, so a custom runtime's bootstrap stays runnable), owned by root and the package's group.
 */
export async function shareCodeWith(codeDir: string, identity: SandboxIdentity): Promise<void> {
  const stamp = path.join(codeDir, '..', `.${path.basename(codeDir)}.gid`);
  if ((await fs.promises.readFile(stamp, 'utf8').catch(() => '')) === String(identity.gid)) return;
  const walk = async (target: string): Promise<void> => {
    const stat = await fs.promises.lstat(target);
    if (stat.isSymbolicLink()) return; // the zip reader refuses links; nothing to follow here
    await fs.promises.chown(target, 0, identity.gid);
    if (stat.isDirectory()) {
      await fs.promises.chmod(target, 0o750);
      for (const entry of await fs.promises.readdir(target)) await walk(path.join(target, entry));
    } else {
      await fs.promises.chmod(target, stat.mode & 0o100 ? 0o750 : 0o640);
    }
  };
  await walk(codeDir);
  await fs.promises.writeFile(stamp, String(identity.gid));
}
