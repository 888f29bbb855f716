'use strict';
// Runs inside the function's own child process: loads the handler from the code package, calls it with
// (event, context) and reports the outcome to the worker over fd 3. What the handler writes to
// process.stdout and process.stderr goes, framed with its stream, over fd 4 (see forwardOutput).
// Plain CommonJS with no dependencies, so nothing of the service is loaded into the user's process.
const net = require('node:net');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

/** fd 4 carries frames [1 byte stream: 1 stdout, 2 stderr][4 bytes length, big endian][bytes]. */
const outputFd = 4;
const maxFrameBytes = 64 * 1024;
const pause = new Int32Array(new SharedArrayBuffer(4));

function writeFully(buffer) {
  let written = 0;
  while (written < buffer.length) {
    try {
      written += fs.writeSync(outputFd, buffer, written, buffer.length - written);
    } catch (err) {
      // A full pipe on a non-blocking fd: wait a little, which is the worker's backpressure reaching us.
      if (err.code === 'EPIPE') return; // the worker is gone; the control pipe closing ends us too
      if (err.code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 2);
    }
  }
}

/**
 * Both streams share one pipe, written synchronously, so the worker sees stdout and stderr lines in the
 * exact order the handler wrote them, and a line written before a crash or a kill is already in the pipe.
 * Output that bypasses process.stdout (a child process, fs.writeSync(1)) still reaches fd 1 and 2.
 */
function forwardOutput(stream, tag) {
  stream.write = function write(chunk, encoding, callback) {
    if (typeof encoding === 'function') [callback, encoding] = [encoding, undefined];
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding || 'utf8') : Buffer.from(chunk);
    for (let start = 0; start < bytes.length; start += maxFrameBytes) {
      const part = bytes.subarray(start, start + maxFrameBytes);
      const header = Buffer.alloc(5);
      header.writeUInt8(tag, 0);
      header.writeUInt32BE(part.length, 1);
      writeFully(Buffer.concat([header, part]));
    }
    if (callback) process.nextTick(callback);
    return true;
  };
}
forwardOutput(process.stdout, 1);
forwardOutput(process.stderr, 2);

const control = new net.Socket({ fd: 3, readable: true, writable: true });
let answered = false;
let received = '';

// If the worker goes away (crash, kill -9), its end of fd 3 closes: take the whole process group down,
// so no user process outlives the activity that owns it.
control.on('close', () => {
  if (!answered) killOwnGroup();
});
control.on('error', () => {
  if (!answered) killOwnGroup();
});
control.on('data', (chunk) => {
  received += chunk.toString('utf8');
  const newline = received.indexOf('\n');
  if (newline === -1) return;
  control.removeAllListeners('data');
  const invocation = JSON.parse(received.slice(0, newline));
  run(invocation).catch((err) => answer({ kind: 'error', errorType: 'RuntimeError', message: String(err) }));
});

function killOwnGroup() {
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    process.exit(137);
  }
}

const maxReportBytes = 64 * 1024;

/**
 * This process's own peak resident memory. Not getrusage's maxRSS: Linux carries the forking worker's peak
 * over exec into it, so it would report the worker's memory, not the function's.
 */
function peakRssBytes() {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (kb) return Number(kb[1]) * 1024;
  } catch {
    // not Linux: fall back below
  }
  return process.memoryUsage().rss;
}

/** A report on fd 3 before the answer; ignored once the answer is sent. */
function report(message) {
  if (!answered) control.write(JSON.stringify(message) + '\n');
}

function answer(message) {
  if (answered) return;
  answered = true;
  message.maxRssBytes = peakRssBytes();
  let line;
  try {
    line = JSON.stringify(message);
  } catch (err) {
    line = JSON.stringify({ kind: 'invalid-result', message: `The return value is not JSON: ${err.message}` });
  }
  control.end(line + '\n', () => process.exit(0));
}

process.on('uncaughtException', (err) => answer(errorMessage(err)));
process.on('unhandledRejection', (reason) => answer(errorMessage(reason)));

function errorMessage(err) {
  if (err instanceof Error) {
    return { kind: 'error', errorType: err.name || 'Error', message: err.message, stack: err.stack };
  }
  return { kind: 'error', errorType: 'Error', message: typeof err === 'string' ? err : JSON.stringify(err) };
}

/** Finds `file` of a `file.method` handler with the extensions Node would accept. */
function resolveHandlerFile(codeDir, file) {
  for (const ext of ['.js', '.cjs', '.mjs', '']) {
    const candidate = path.join(codeDir, file + ext);
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

async function loadHandler(codeDir, handler) {
  const dot = handler.lastIndexOf('.');
  const file = handler.slice(0, dot);
  const method = handler.slice(dot + 1);
  const resolved = resolveHandlerFile(codeDir, file);
  if (!resolved) return { missing: `The handler file "${file}.js" is not in the code package` };
  const mod = await import(pathToFileURL(resolved).href);
  const fn = typeof mod[method] === 'function' ? mod[method] : mod.default && mod.default[method];
  if (typeof fn !== 'function') return { missing: `"${file}" does not export a function "${method}"` };
  return { fn };
}

async function run(invocation) {
  const { codeDir, handler, event, context: info } = invocation;
  const loaded = await loadHandler(codeDir, handler);
  if (loaded.missing) return answer({ kind: 'handler-not-found', message: loaded.missing });
  const deadline = Date.now() + info.timeLimitInMs;
  const context = {
    requestId: info.requestId,
    request_id: info.requestId,
    functionName: info.functionName,
    function_name: info.functionName,
    functionVersion: info.functionVersion,
    function_version: info.functionVersion,
    namespace: info.namespace,
    memoryLimitInMb: info.memoryLimitInMb,
    memory_limit_in_mb: info.memoryLimitInMb,
    timeLimitInMs: info.timeLimitInMs,
    time_limit_in_ms: info.timeLimitInMs,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    // Beyond SCF: progress shows in the event's status and the Temporal Web UI; a checkpoint is handed to
    // the next attempt after a platform failure (worker lost), so a long job resumes instead of restarting.
    checkpoint: info.checkpoint === undefined ? null : info.checkpoint,
    reportProgress(value, message = '') {
      const number = Number(value);
      if (!Number.isFinite(number) || number < 0 || number > 100) {
        throw new RangeError('reportProgress takes a number from 0 to 100');
      }
      report({ kind: 'progress', value: number, message: String(message).slice(0, 1024) });
    },
    saveCheckpoint(value) {
      const text = JSON.stringify(value === undefined ? null : value);
      if (text.length > maxReportBytes) throw new RangeError(`A checkpoint is at most ${maxReportBytes} bytes of JSON`);
      report({ kind: 'checkpoint', value: JSON.parse(text) });
    },
  };
  context.report_progress = context.reportProgress;
  context.save_checkpoint = context.saveCheckpoint;
  try {
    const result = await loaded.fn(event, context);
    answer({ kind: 'result', result: result === undefined ? null : result });
  } catch (err) {
    answer(errorMessage(err));
  }
}
