import fs from 'node:fs';

/** One process as /proc/<pid>/stat describes it: enough to group processes and weigh their memory. */
export interface ProcessStat {
  pid: number;
  /** The process group id (field 5). */
  pgid: number;
  /** Resident set size in bytes (field 24, in pages). */
  rssBytes: number;
}

const pageBytes = 4096;

/** Every live process (Linux only; empty elsewhere). Processes that end while being read are skipped. */
export function* processStats(): Generator<ProcessStat> {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // the process ended between readdir and read
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so fields count after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    yield { pid: Number(entry), pgid: Number(fields[2]), rssBytes: Number(fields[21]) * pageBytes };
  }
}
