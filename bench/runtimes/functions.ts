/**
 * The bench functions, one per runtime, zipped in code. Each handler's first action prints
 * `FIRST <Date.now()>` (epoch ms on the machine's clock, the same clock the bench reads), then sleeps
 * `sleepMs` when the event asks (the density runs), then returns.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type ZipEntry, zipFiles } from '../common/zip';

export type BenchRuntime = 'Nodejs18.15' | 'Python3.9' | 'CustomRuntime';
export const benchRuntimes: BenchRuntime[] = ['Nodejs18.15', 'Python3.9', 'CustomRuntime'];

/** The line every handler prints first. */
export const firstLinePattern = /FIRST (\d+)/;

export interface BenchEvent {
  sleepMs?: number;
}

const nodeHandler = `'use strict';
exports.main = async (event) => {
  console.log('FIRST ' + Date.now());
  if (event && event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
  return { ok: true };
};
`;

const pythonHandler = `import time


def main(event, context):
    print('FIRST %d' % int(time.time() * 1000), flush=True)
    if isinstance(event, dict) and event.get('sleepMs'):
        time.sleep(event['sleepMs'] / 1000)
    return {'ok': True}
`;

/**
 * POSIX sh and curl, shaped as test/fixtures/functions/custom-shell's bootstrap (Tencent's example): report
 * ready, then loop next event -> handler -> response. The handler is inline; its first action is the line.
 * `date +%s%3N` is GNU date's epoch milliseconds (one fork, about a millisecond).
 */
const customBootstrap = `#!/bin/sh
set -eu
api="http://$SCF_RUNTIME_API:$SCF_RUNTIME_API_PORT"
curl -sS -X POST -d ' ' "$api/runtime/init/ready" >/dev/null
while true; do
  event=$(curl -sS "$api/runtime/invocation/next")
  echo "FIRST $(date +%s%3N)"
  ms=$(printf '%s' "$event" | sed -n 's/.*"sleepMs" *: *\\([0-9]*\\).*/\\1/p')
  if [ -n "$ms" ]; then sleep $((ms / 1000)); fi
  curl -sS -X POST --data-binary '{"ok":true}' "$api/runtime/invocation/response" >/dev/null
done
`;

/** Every file states its mode: writePackage lays it out with the same bits as the zip. */
interface BenchFile extends ZipEntry {
  mode: number;
}

export interface BenchPackage {
  runtime: BenchRuntime;
  handler: string;
  files: BenchFile[];
}

export function benchPackage(runtime: BenchRuntime): BenchPackage {
  if (runtime === 'Nodejs18.15') return { runtime, handler: 'index.main', files: [{ name: 'index.js', text: nodeHandler, mode: 0o644 }] };
  if (runtime === 'Python3.9') return { runtime, handler: 'index.main', files: [{ name: 'index.py', text: pythonHandler, mode: 0o644 }] };
  return { runtime, handler: 'index.main', files: [{ name: 'bootstrap', text: customBootstrap, mode: 0o755 }] };
}

/** The package zipped, base64 as the API takes it. */
export function zipPackage(pkg: BenchPackage): Promise<string> {
  return zipFiles(pkg.files);
}

/** The package unpacked into `dir` (for the launcher-alone runs, which bypass the code store). */
export function writePackage(pkg: BenchPackage, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const file of pkg.files) fs.writeFileSync(path.join(dir, file.name), file.text, { mode: file.mode });
}
