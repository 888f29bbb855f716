/**
 * What the runtimes bench reads from /proc (memory and processes). The machine and load lines, statistics,
 * tables and bounded parallel calls are in bench/common/.
 */
import fs from 'node:fs';
import os from 'node:os';
import { fmt } from '../common/table';

/** MemAvailable from /proc/meminfo, bytes. */
export function availableMemoryBytes(): number {
  const kb = /MemAvailable:\s+(\d+) kB/.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1];
  return kb ? Number(kb) * 1024 : os.freemem();
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback; // the process is gone
  }
}

/** A process's resident set (VmRSS) and proportional set (Pss: shared pages split among their users), bytes. */
export interface ProcMemory {
  rss: number;
  pss: number;
}

export function memoryOf(pid: number): ProcMemory {
  const rss = /VmRSS:\s+(\d+) kB/.exec(readOr(`/proc/${pid}/status`, ''))?.[1];
  const pss = /^Pss:\s+(\d+) kB/m.exec(readOr(`/proc/${pid}/smaps_rollup`, ''))?.[1];
  return { rss: Number(rss ?? 0) * 1024, pss: Number(pss ?? 0) * 1024 };
}

/** The parent pid and process group of a process, from /proc/<pid>/stat (undefined once it is gone). */
function statOf(pid: string): { ppid: number; pgrp: number } | undefined {
  const stat = readOr(`/proc/${pid}/stat`, '');
  if (!stat) return undefined;
  // After the ")" closing the command name: state ppid pgrp ...
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), pgrp: Number(fields[2]) };
}

/**
 * Pids of this process's children whose command line contains `needle` (scanned from /proc). Only children:
 * other work on the machine may run the same runner files.
 */
export function childrenMatching(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (statOf(entry)?.ppid !== process.pid) continue;
    const cmdline = readOr(`/proc/${entry}/cmdline`, '');
    if (cmdline.includes(needle)) pids.push(Number(entry));
  }
  return pids;
}

/** Pids of every process of the given process groups (the function's children too). */
export function processesOfGroups(groups: Set<number>): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pgrp = statOf(entry)?.pgrp;
    if (pgrp !== undefined && groups.has(pgrp)) pids.push(Number(entry));
  }
  return pids;
}

export function sumMemory(pids: number[]): ProcMemory {
  return pids.map(memoryOf).reduce((a, b) => ({ rss: a.rss + b.rss, pss: a.pss + b.pss }), { rss: 0, pss: 0 });
}

/** Bytes as MiB, one decimal. */
export const mib = (bytes: number): string => fmt(bytes / 2 ** 20, 1);
