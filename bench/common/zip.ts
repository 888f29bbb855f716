import yazl from 'yazl';
import { zipToBase64 } from '../../test/helpers/fixtures';

export interface ZipEntry {
  name: string;
  text: string;
  /** Unix permission bits (0o755 for a custom runtime's bootstrap); yazl's default (0o664) when absent. */
  mode?: number;
}

/**
 * A bench function's code package, made in code (no fixture dir), base64 as the API takes it. The bytes are
 * finished by the test helpers' zipToBase64, which the tests' fixture zips go through too.
 */
export function zipFiles(files: ZipEntry[]): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const file of files) {
    if (file.mode === undefined) zip.addBuffer(Buffer.from(file.text), file.name);
    else zip.addBuffer(Buffer.from(file.text), file.name, { mode: 0o100000 | file.mode });
  }
  return zipToBase64(zip);
}
