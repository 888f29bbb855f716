#!/usr/bin/env node
// Entry point behind `npm start`, `npm test`, `npm run start:api` and `npm run start:worker`.
//
//   node scripts/bootstrap.mjs <start|test|api|worker> [extra args...]
//
// It makes a fresh clone runnable with nothing but Node and npm (plus Go once, for the Temporal
// CLI): it installs npm packages when package-lock.json changed, finds or builds the Temporal CLI,
// then runs the real target. It runs before node_modules exist, so it may only use Node built-ins.
// Everything it says goes to stderr, so that a target's stdout (e.g. `jest --json`) stays clean.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Pinned: later CLI tags carry a `replace` directive in go.mod, which `go install pkg@version` refuses.
const TEMPORAL_CLI_VERSION = 'v1.5.1';
const TEMPORAL_CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

const TARGETS = {
  start: { bin: 'tsx', args: ['src/main/stack.ts'] },
  api: { bin: 'tsx', args: ['src/main/api.ts'] },
  worker: { bin: 'tsx', args: ['src/main/worker.ts'] },
  accounts: { bin: 'tsx', args: ['src/main/accounts.ts'] },
  test: { bin: 'jest', args: [] },
};

const say = (msg) => process.stderr.write(`[longhaul] ${msg}\n`);
function fail(msg, code = 1) {
  say(`error: ${msg}`);
  process.exit(code);
}

const isExecutableFile = (p) => {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};

const findOnPath = (name) =>
  (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, name))
    .find(isExecutableFile);

// Child stdout goes to our stderr: progress stays visible without polluting our stdout.
const PROGRESS_STDIO = ['inherit', 2, 2];

/** a. Reinstall npm packages when node_modules is missing or predates the current lockfile. */
function ensureNodeModules() {
  const lock = path.join(ROOT, 'package-lock.json');
  const modules = path.join(ROOT, 'node_modules');
  // The stamp lives inside node_modules, so `npm ci` (which wipes node_modules) also wipes it.
  const stamp = path.join(modules, '.longhaul-lock-sha256');
  const want = createHash('sha256').update(fs.readFileSync(lock)).digest('hex');
  let reason;
  if (!fs.existsSync(modules)) reason = 'node_modules is missing';
  else if (!fs.existsSync(stamp)) reason = 'node_modules was not installed by this script';
  else if (fs.readFileSync(stamp, 'utf8').trim() !== want) reason = 'package-lock.json changed';
  if (!reason) return; // fast path: no network, no output

  say(`${reason}: running npm ci`);
  const r = spawnSync('npm', ['ci'], { cwd: ROOT, stdio: PROGRESS_STDIO });
  if (r.error) fail(`could not run npm: ${r.error.message}`);
  if (r.status !== 0) fail(`npm ci failed (exit ${r.status ?? r.signal})`, r.status || 1);
  fs.writeFileSync(stamp, `${want}\n`);
}

/** b. Path to a Temporal CLI binary: $TEMPORAL_CLI, else the per-user cache, else build it once. */
function resolveTemporalCli() {
  const override = process.env.TEMPORAL_CLI;
  if (override) {
    const p = path.resolve(override); // absolute, because children run with another cwd
    if (!isExecutableFile(p)) fail(`TEMPORAL_CLI=${override} is not an executable file`);
    return p;
  }

  // XDG says to ignore a relative XDG_CACHE_HOME.
  const xdg = process.env.XDG_CACHE_HOME;
  const cacheRoot = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
  const dir = path.join(cacheRoot, 'longhaul', `temporal-cli-${TEMPORAL_CLI_VERSION}`);
  const bin = path.join(dir, 'temporal');
  if (isExecutableFile(bin)) return bin;

  const go = findOnPath('go');
  if (!go) {
    fail(
      `Go toolchain not found: it is needed once to build the Temporal CLI ${TEMPORAL_CLI_VERSION} ` +
        `(the local Temporal dev server that ${process.argv[2] === 'test' ? 'the tests use' : '`npm start` runs'}) ` +
        `into ${bin}; install Go or set TEMPORAL_CLI to an existing temporal binary`,
    );
  }

  say(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} with ${go} (first run only, takes a few minutes)`);
  fs.mkdirSync(dir, { recursive: true });
  // Build into a private temp dir on the same filesystem, then rename(2) into place: an interrupted
  // or concurrent build never leaves a partial binary at `bin`.
  const tmp = fs.mkdtempSync(path.join(dir, '.build-'));
  const r = spawnSync(go, ['install', '-v', TEMPORAL_CLI_MODULE], {
    cwd: tmp, // outside any go.mod, so the module is built exactly as pinned
    env: { ...process.env, GOBIN: tmp },
    stdio: PROGRESS_STDIO,
  });
  if (r.status === 0) fs.renameSync(path.join(tmp, 'temporal'), bin);
  fs.rmSync(tmp, { recursive: true, force: true });
  if (r.error) fail(`could not run go: ${r.error.message}`);
  if (r.status !== 0) fail(`go install ${TEMPORAL_CLI_MODULE} failed (exit ${r.status ?? r.signal})`);
  say(`Temporal CLI cached at ${bin}`);
  return bin;
}

/** c. Run the target, relay signals, and exit as it exits. */
function run(target, extraArgs, temporalCli) {
  const { bin, args } = TARGETS[target];
  const env = { ...process.env };
  if (temporalCli) env.LONGHAUL_TEMPORAL_CLI = temporalCli;

  // Signals must reach the child exactly once: it shuts down gracefully on the first one, and a
  // duplicate may make it (or tsx, which exits on a signal nobody listens to any more) quit hard.
  // So the child normally gets a session of its own: Ctrl-C, hangup and group-wide kills from CI
  // then reach only us, and we relay each of them once. (tsx relays too, but racily if its child
  // also got the signal straight from the terminal.) Only jest on a terminal stays in our group,
  // as it may read the terminal (`--watch`); there Ctrl-C reaches it directly and we relay only
  // SIGTERM, which no terminal sends.
  const sharesTerminal = target === 'test' && process.stdin.isTTY === true;
  const child = spawn(path.join(ROOT, 'node_modules', '.bin', bin), [...args, ...extraArgs], {
    cwd: ROOT,
    env,
    stdio: 'inherit',
    detached: !sharesTerminal,
  });
  child.on('error', (err) => fail(`could not start ${bin}: ${err.message}`));

  let last = { signal: '', at: 0 };
  const relay = (signal) => {
    if (sharesTerminal && signal !== 'SIGTERM') return; // the child got it from the terminal too
    // npm also relays the signals it gets, so one event can reach us twice within a few ms.
    const now = Date.now();
    if (signal === last.signal && now - last.at < 100) return;
    last = { signal, at: now };
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  // Having handlers also keeps us alive until the child has exited, however many Ctrl-Cs arrive,
  // so the child is never orphaned.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, relay);
  // npm runs us through `sh -c` and relays its own SIGTERM to that shell only, which then dies
  // without passing it on. Being reparented like that means we are being stopped: stop the child.
  const parent = process.ppid;
  const watchParent = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watchParent);
    relay('SIGTERM');
  }, 500);
  watchParent.unref();

  child.on('exit', (code, signal) => {
    // In its own session, whatever the child left behind (say a Temporal dev server, after tsx was
    // SIGKILLed) can be found and stopped; otherwise it would outlive us.
    if (!sharesTerminal) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // ESRCH: nothing left, the usual case
      }
    }
    process.exit(code ?? 128 + (os.constants.signals[signal] ?? 0));
  });
}

/**
 * c. The log-store tests start a real PostgreSQL from Debian's packages: install them when missing (as
 * root, with apt-get's own progress). Elsewhere, say what to install; the tests then fail with the same hint.
 */
function ensurePostgres() {
  const versions = fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql') : [];
  if (versions.some((v) => isExecutableFile(path.join('/usr/lib/postgresql', v, 'bin', 'initdb')))) return;
  if (process.getuid?.() !== 0 || !findOnPath('apt-get')) {
    say('PostgreSQL server binaries are missing: install them (Debian: apt-get install postgresql)');
    return;
  }
  say('PostgreSQL is missing (the log-store tests run a real one): apt-get install postgresql');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], { stdio: PROGRESS_STDIO, env });
  if (r.status !== 0) {
    say('apt-get install failed; refreshing the package lists once and retrying');
    spawnSync('apt-get', ['update'], { stdio: PROGRESS_STDIO, env });
    r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], { stdio: PROGRESS_STDIO, env });
  }
  if (r.status !== 0) fail(`apt-get install postgresql failed (exit ${r.status ?? r.signal})`, r.status || 1);
}

function main() {
  const [target, ...extraArgs] = process.argv.slice(2);
  if (!Object.hasOwn(TARGETS, target ?? '')) {
    fail(`usage: node scripts/bootstrap.mjs <${Object.keys(TARGETS).join('|')}> [extra args...]`, 2);
  }
  ensureNodeModules();
  if (target === 'test') ensurePostgres();
  // `start` runs its own Temporal dev server unless pointed at an existing one; tests always do.
  const needsCli = target === 'test' || (target === 'start' && !process.env.TEMPORAL_ADDRESS);
  run(target, extraArgs, needsCli ? resolveTemporalCli() : undefined);
}

main();
