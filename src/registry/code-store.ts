import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { extractZip } from './zip';

/**
 * Code packages stored by the sha256 of their bytes: a version names its code by hash, so a worker always
 * runs exactly the package that version was given, whatever happened to $LATEST since.
 */
export class CodeStore {
  private readonly blobDir: string;
  private readonly unpackedDir: string;
  private readonly unpacking = new Map<string, Promise<string>>();

  constructor(dataDir: string) {
    this.blobDir = path.join(dataDir, 'code', 'packages');
    this.unpackedDir = path.join(dataDir, 'code', 'unpacked');
    fs.mkdirSync(this.blobDir, { recursive: true });
    fs.mkdirSync(this.unpackedDir, { recursive: true });
  }

  /** Stores a package (idempotent) and returns its hash. */
  async put(zip: Buffer): Promise<string> {
    const sha256 = createHash('sha256').update(zip).digest('hex');
    const target = this.blobPath(sha256);
    if (!fs.existsSync(target)) {
      const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
      await fs.promises.writeFile(temp, zip, { mode: 0o600 });
      await fs.promises.rename(temp, target);
    }
    return sha256;
  }

  async get(sha256: string): Promise<Buffer> {
    return fs.promises.readFile(this.blobPath(sha256));
  }

  /**
   * The unpacked package, read-only and shared by every event of that code; unpacked on first use, under
   * `root` when given (the sandbox unpacks outside the private data dir, where function users can reach it).
   */
  unpacked(sha256: string, root: string = this.unpackedDir): Promise<string> {
    const id = `${root}\0${sha256}`;
    let pending = this.unpacking.get(id);
    if (!pending) {
      pending = this.unpack(sha256, root);
      this.unpacking.set(id, pending);
      pending.catch(() => this.unpacking.delete(id));
    }
    return pending;
  }

  private async unpack(sha256: string, root: string): Promise<string> {
    const dir = path.join(root, sha256);
    if (fs.existsSync(path.join(dir, '.longhaul-complete'))) return dir;
    const temp = await fs.promises.mkdtemp(path.join(root, `${sha256}.tmp-`));
    await extractZip(await this.get(sha256), temp);
    await fs.promises.writeFile(path.join(temp, '.longhaul-complete'), '');
    try {
      await fs.promises.rename(temp, dir);
    } catch {
      // Another worker process unpacked the same code first: use theirs.
      await fs.promises.rm(temp, { recursive: true, force: true });
    }
    return dir;
  }

  private blobPath(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return path.join(this.blobDir, `${sha256}.zip`);
  }
}
