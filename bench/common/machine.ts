/** What a bench ran on and how busy the machine was, for the report: its figures depend on both. */
import fs from 'node:fs';
import os from 'node:os';

/**
 * `machine: <cores> cores (<CPU model>), <RAM> GiB RAM, node <version>`, with free memory and the kernel
 * where a bench reports them (each bench keeps the line it has always printed, so runs stay comparable).
 */
export function machineLine(show: { freeMemory?: boolean; kernel?: boolean } = {}): string {
  const cpu =
    /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? '?';
  const free = show.freeMemory ? ` (${(os.freemem() / 2 ** 30).toFixed(1)} GiB free)` : '';
  const kernel = show.kernel ? `, ${os.type()} ${os.release()}` : '';
  return `machine: ${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM${free}, node ${process.version}${kernel}`;
}

/** The load average now, e.g. `0.52 / 0.61 / 0.70 (1/5/15 min, 2 cores)`: the machine is shared with other work. */
export const loadLine = (): string =>
  `${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ')} (1/5/15 min, ${os.cpus().length} cores)`;
