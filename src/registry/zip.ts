import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

/** Bounds of a code package once unpacked, so a zip bomb cannot fill the worker's disk. */
export const zipLimits = { maxEntries: 20000, maxUnpackedBytes: 512 * 1024 * 1024 };

export interface ZipEntryInfo {
  fileName: string;
  size: number;
  isDirectory: boolean;
  mode: number;
}

function openZip(zip: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    // strictFileNames and yauzl's own checks refuse absolute paths and "..": a package cannot escape its dir.
    yauzl.fromBuffer(zip, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, file) =>
      err ? reject(err) : resolve(file),
    );
  });
}

/** Walks every entry of a zip, refusing unsafe names and packages over the limits. */
async function forEachEntry(
  zip: Buffer,
  visit: (entry: yauzl.Entry, info: ZipEntryInfo, file: yauzl.ZipFile) => Promise<void>,
): Promise<ZipEntryInfo[]> {
  const file = await openZip(zip);
  const entries: ZipEntryInfo[] = [];
  let unpacked = 0;
  return new Promise((resolve, reject) => {
    const fail = (err: unknown) => {
      file.close();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    file.on('error', fail);
    file.on('end', () => resolve(entries));
    file.on('entry', (entry: yauzl.Entry) => {
      const info: ZipEntryInfo = {
        fileName: entry.fileName,
        size: entry.uncompressedSize,
        isDirectory: entry.fileName.endsWith('/'),
        mode: (entry.externalFileAttributes >>> 16) & 0o777,
      };
      const type = (entry.externalFileAttributes >>> 16) & 0o170000;
      if (type === 0o120000) return fail(new Error(`"${entry.fileName}" is a symbolic link, which packages may not hold`));
      unpacked += entry.uncompressedSize;
      entries.push(info);
      if (entries.length > zipLimits.maxEntries) return fail(new Error(`more than ${zipLimits.maxEntries} entries`));
      if (unpacked > zipLimits.maxUnpackedBytes) return fail(new Error('larger than 512 MB unpacked'));
      visit(entry, info, file).then(() => file.readEntry(), fail);
    });
    file.readEntry();
  });
}

/** Lists a zip's entries; throws with the reason when it is not a safe, readable zip. */
export function inspectZip(zip: Buffer): Promise<ZipEntryInfo[]> {
  return forEachEntry(zip, () => Promise.resolve());
}

/** Unpacks a zip into `dir` (which must exist and be empty). */
export function extractZip(zip: Buffer, dir: string): Promise<ZipEntryInfo[]> {
  return forEachEntry(zip, async (entry, info, file) => {
    const target = path.join(dir, info.fileName);
    if (!target.startsWith(dir + path.sep)) throw new Error(`"${info.fileName}" points outside the package`);
    if (info.isDirectory) {
      await fs.promises.mkdir(target, { recursive: true });
      return;
    }
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const stream = await file.openReadStreamPromise(entry);
    // Executable bits survive (custom runtimes need them); nothing is writable by others.
    const mode = info.mode & 0o111 ? 0o755 : 0o644;
    await pipeline(stream, fs.createWriteStream(target, { mode }));
  });
}
