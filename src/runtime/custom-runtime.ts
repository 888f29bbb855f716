import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectionFromGroup, peakRssOfGroup } from './custom-runtime-procfs';
import type { LaunchSpec, RunnerAnswer } from './launcher';

/**
 * SCF's custom runtime model for one event: the package's executable `bootstrap` asks a local HTTP "runtime
 * API" for its event and posts back a response or an error. Paths, variables and headers are Tencent's
 * (docs/runtimes.md cites where each comes from).
 */
export const runtimeApiPaths = {
  initReady: '/runtime/init/ready',
  initError: '/runtime/init/error',
  next: '/runtime/invocation/next',
  response: '/runtime/invocation/response',
  error: '/runtime/invocation/error',
} as const;

/** The calls that end the event, and how each one's body becomes the answer. */
const postedAnswers: Record<string, ((body: string) => RunnerAnswer) | undefined> = {
  [`POST ${runtimeApiPaths.response}`]: (body) => resultOf(body),
  [`POST ${runtimeApiPaths.error}`]: (body) => errorOf(body, 'FunctionError'),
  [`POST ${runtimeApiPaths.initError}`]: (body) => errorOf(body, 'InitError'),
};

/** Responses and errors larger than this are refused, as the other runtimes refuse such return values. */
const maxBodyBytes = 6 * 1024 * 1024;
/** After the process exited, how long a request still being read may take to become the answer. */
const inFlightGraceMs = 2000;

/**
 * Starts the bootstrap through `sh` so that the bootstrap itself leads the process group (exec: its exit
 * code and signal are the event's), beside a watcher that holds fd 3. The worker holds the other end: if the
 * worker dies, the watcher reads end-of-file and kills the whole group, as the Node and Python runners do.
 * The watcher ignores SIGTERM, so a graceful terminate cannot remove that guarantee during the grace.
 */
const wrapperScript = [
  `(trap '' HUP INT TERM; cat <&3; kill -KILL 0) >/dev/null 2>&1 &`,
  `exec "$1" 3<&-`,
].join('\n');

export function bootstrapCommand(bootstrap: string): { command: string; args: string[] } {
  return { command: '/bin/sh', args: ['-c', wrapperScript, 'longhaul-bootstrap', bootstrap] };
}

/** Why `<codeDir>/bootstrap` cannot start, or undefined when it is an executable file. */
export function bootstrapProblem(bootstrap: string): string | undefined {
  try {
    if (!fs.statSync(bootstrap).isFile()) return 'The bootstrap in the code package is not a file';
    fs.accessSync(bootstrap, fs.constants.X_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      return 'The code package has no bootstrap file (a custom runtime needs an executable "bootstrap" at its root)';
    if (code === 'EACCES')
      return 'The bootstrap in the code package is not executable (set its mode to 755 before zipping)';
    return `The bootstrap in the code package cannot be run: ${String(err)}`;
  }
}

export interface RuntimeApi {
  readonly port: number;
  /** The variables a bootstrap uses: SCF's, plus longhaul's URL with this event's token in its path. */
  environment(handler: string): Record<string, string>;
  /** Admits calls without the token from processes of this group: the event's own, once it is spawned. */
  admitGroup(groupId: number): void;
  /** Resolves with the first response or error posted. */
  readonly answered: Promise<RunnerAnswer>;
  /** Once the process has exited: the answer posted, if any (waiting briefly for one still arriving). Closes. */
  settle(): Promise<RunnerAnswer | undefined>;
  close(): void;
}

interface RuntimeApiOptions {
  event: unknown;
  context: LaunchSpec['context'];
  /** An answer known before anything runs (no usable bootstrap): the event ends with it whatever happens. */
  presetAnswer?: RunnerAnswer;
}

/** The runtime API of one event, on 127.0.0.1 and an ephemeral port. */
export async function startRuntimeApi(options: RuntimeApiOptions): Promise<RuntimeApi> {
  const token = randomBytes(18).toString('base64url');
  let groupId: number | undefined;
  let answer: RunnerAnswer | undefined;
  let inFlight = 0;
  let resolveAnswered!: (a: RunnerAnswer) => void;
  const answered = new Promise<RunnerAnswer>((resolve) => (resolveAnswered = resolve));

  // Only answers the process posted resolve `answered` (which stops it); a preset one lets it run and fail.
  const settleWith = (a: RunnerAnswer) => {
    if (answer) return;
    answer = { ...a, maxRssBytes: a.maxRssBytes || (groupId === undefined ? 0 : peakRssOfGroup(groupId)) };
    resolveAnswered(answer);
  };
  answer = options.presetAnswer;

  const server = http.createServer((req, res) => {
    inFlight += 1;
    res.once('close', () => (inFlight -= 1));
    const route = routeOf(req, token, groupId);
    if (route === undefined)
      return reply(res, 403, { error: "Forbidden: not this event's bootstrap (no token)" });
    handle(req, res, route).catch((err: unknown) => {
      // Never let one bad request take the worker down: answer it if we still can, else drop it.
      if (res.headersSent) res.destroy();
      else reply(res, 500, { error: String(err) });
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, route: string) {
    const call = `${req.method} ${route}`;
    if (call === `GET ${runtimeApiPaths.next}`) {
      // One event per process: asked again before answering, the same event comes back (as in SCF); asked
      // after the answer, there is no next event and the call waits until the process is stopped.
      if (answer) return;
      res.writeHead(200, {
        'Content-Type': 'application/json',
        Request_Id: options.context.requestId,
        Memory_Limit_In_Mb: String(options.context.memoryLimitInMb),
        Time_Limit_In_Ms: String(options.context.timeLimitInMs),
        Function_Name: options.context.functionName,
        Function_Version: options.context.functionVersion,
        Namespace: options.context.namespace,
      });
      return void res.end(JSON.stringify(options.event ?? null));
    }
    if (call === `POST ${runtimeApiPaths.initReady}`) {
      await readBody(req); // readiness changes nothing: the event is delivered whenever it is asked for
      return reply(res, 200, {});
    }
    const toAnswer = postedAnswers[call];
    if (!toAnswer) return reply(res, 404, { error: `No such runtime API call: ${call}` });
    const body = await readBody(req);
    if (body === undefined) {
      reply(res, 413, { error: 'Larger than 6 MB' });
      return settleWith({
        kind: 'invalid-result',
        message: 'The response is larger than 6 MB',
        maxRssBytes: 0,
      });
    }
    reply(res, 200, {});
    settleWith(toAnswer(body));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const close = () => {
    server.close();
    server.closeAllConnections();
  };

  return {
    port,
    environment: (handler) => ({
      _HANDLER: handler,
      SCF_RUNTIME_API: '127.0.0.1',
      SCF_RUNTIME_API_PORT: String(port),
      LONGHAUL_RUNTIME_API_URL: `http://127.0.0.1:${port}/${token}`,
    }),
    admitGroup: (id) => (groupId = id),
    answered,
    async settle() {
      const deadline = Date.now() + inFlightGraceMs;
      while (!answer && inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      close();
      return answer;
    },
    close,
  };
}

/**
 * The API path a request asks for, or undefined when it may not call. Admitted: a path that starts with this
 * event's token (`LONGHAUL_RUNTIME_API_URL`), or SCF's bare paths from a process of the event's own group,
 * which is what an unmodified SCF bootstrap (built on SCF_RUNTIME_API and SCF_RUNTIME_API_PORT) sends.
 */
function routeOf(req: http.IncomingMessage, token: string, groupId: number | undefined): string | undefined {
  const pathname = new URL(req.url ?? '/', 'http://runtime-api').pathname;
  const [, first = '', ...rest] = pathname.split('/');
  if (sameSecret(first, token)) return `/${rest.join('/')}`;
  const { remotePort, localPort } = req.socket;
  if (groupId === undefined || !remotePort || !localPort) return undefined;
  return connectionFromGroup(remotePort, localPort, groupId) ? pathname : undefined;
}

function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

/** The request's body as text, or undefined when it is over the size limit. */
async function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A response body is the result: JSON when it parses as JSON, else the text itself; empty is null. */
function resultOf(body: string): RunnerAnswer {
  if (body.trim() === '') return { kind: 'result', result: null, maxRssBytes: 0 };
  try {
    return { kind: 'result', result: JSON.parse(body) as unknown, maxRssBytes: 0 };
  } catch {
    return { kind: 'result', result: body, maxRssBytes: 0 };
  }
}

/** An error body: JSON with errorType/errorMessage/stackTrace (or type/message/stack), or plain text. */
function errorOf(body: string, defaultType: string): RunnerAnswer {
  let parsed: Record<string, unknown> = {};
  try {
    const value: unknown = JSON.parse(body);
    if (value && typeof value === 'object' && !Array.isArray(value))
      parsed = value as Record<string, unknown>;
  } catch {
    // plain text: the whole body is the message
  }
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const stack = Array.isArray(parsed.stackTrace)
    ? parsed.stackTrace.join('\n')
    : (text(parsed.stackTrace) ?? text(parsed.stack));
  return {
    kind: 'error',
    errorType: text(parsed.errorType) ?? text(parsed.type) ?? defaultType,
    message:
      text(parsed.errorMessage) ?? text(parsed.message) ?? (body.trim() || 'The function reported an error'),
    ...(stack ? { stack } : {}),
    maxRssBytes: 0,
  };
}
