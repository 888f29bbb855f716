import fs from 'node:fs';
import { processStats } from './procfs';

/**
 * What /proc says about an event's process group (Linux only). The custom runtime uses it to know whether a
 * connection to its runtime API comes from the event's own processes, and how much memory they peaked at.
 */

/** The pids of every live process whose process group is `groupId`. */
export function groupMembers(groupId: number): number[] {
  return [...processStats()].filter((p) => p.pgid === groupId).map((p) => p.pid);
}

/** The inode of the IPv4 TCP socket whose local port is `localPort` and remote port `remotePort`. */
function tcpSocketInode(localPort: number, remotePort: number): string | undefined {
  const hexPort = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  const local = `:${hexPort(localPort)}`;
  const remote = `:${hexPort(remotePort)}`;
  for (const line of fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
    const fields = line.trim().split(/\s+/);
    if (fields[1]?.endsWith(local) && fields[2]?.endsWith(remote) && fields[9] && fields[9] !== '0')
      return fields[9];
  }
  return undefined;
}

/**
 * Whether the client end of a loopback connection (the client's port `clientPort`, connected to our
 * `serverPort`) is held open by a process of the group. The client is blocked on our answer while we look,
 * so its socket is there to find.
 */
export function connectionFromGroup(clientPort: number, serverPort: number, groupId: number): boolean {
  try {
    return socketHeldByGroup(tcpSocketInode(clientPort, serverPort), groupId);
  } catch {
    return false; // no /proc to ask (not Linux, or hidden): only the token admits a caller
  }
}

function socketHeldByGroup(inode: string | undefined, groupId: number): boolean {
  if (!inode) return false;
  const wanted = `socket:[${inode}]`;
  for (const pid of groupMembers(groupId)) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === wanted) return true;
      } catch {
        // closed while we looked
      }
    }
  }
  return false;
}

/** The highest peak resident memory (VmHWM) of any process of the group, in bytes; 0 when none is left. */
export function peakRssOfGroup(groupId: number): number {
  let peak = 0;
  for (const pid of groupMembers(groupId)) {
    try {
      const kb = Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      peak = Math.max(peak, kb * 1024);
    } catch {
      // gone
    }
  }
  return peak;
}
