/**
 * Keeps src/api/openapi.json honest: its paths are exactly the routes the API serves, its error responses use
 * the error catalogue, its schemas compile, and real responses and real validation rules agree with them.
 * Everything runs in-process (the API with stubbed registries and gateway, and the real log reader over a
 * temporary SQLite log store), so no Temporal server is needed.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import type { Context } from 'koa';
import pino from 'pino';
import { type ApiDeps, createApp, openApiPath, routeList } from '../src/api/app';
import { errorHandler } from '../src/api/error-handler';
import { parseListEvents, parseOverview } from '../src/api/event-requests';
import { functionJson, parseConfigurationPatch, parseCreateFunction } from '../src/api/function-requests';
import {
  invokeConfigJson,
  parseInvokeConfigPatch,
  parseReservation,
  reservationJson,
} from '../src/api/limit-requests';
import { attemptJson, lineJson, parseCursor, parseLogSearch } from '../src/api/log-requests';
import { summaryJson } from '../src/api/routes/async-events';
import { defaultAccountConcurrencyMb, loadConfig } from '../src/config';
import { LonghaulError, errorCatalogue } from '../src/errors';
import type { EventSummary } from '../src/events/event-queries';
import type { EventView } from '../src/events/event-view';
import { invokeTypes } from '../src/events/gateway';
import { requestIdFor, validateRequestId } from '../src/events/request-id';
import type { EventFilter } from '../src/events/visibility-query';
import { EventLogs, type FoundAttempt } from '../src/logs/event-logs';
import type { LogLine } from '../src/logs/log-store';
import { openSqliteLogStore } from '../src/logs/sqlite-log-store';
import { openDatabase } from '../src/registry/database';
import { FunctionLimits, defaultInvokeConfig } from '../src/registry/function-limits';
import * as rules from '../src/registry/function-rules';
import type { FunctionRegistry, FunctionView, NewFunction } from '../src/registry/functions';

// ---------------------------------------------------------------------------------------------------------
// The document, typed as far as this test reads it.

const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type HttpMethod = (typeof httpMethods)[number];
type Schema = Record<string, unknown>;
interface Ref {
  $ref: string;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}
interface MediaType {
  schema?: Schema;
}
interface Response {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, MediaType>;
  'x-error-codes'?: string[];
}
type SecurityRequirement = Record<string, string[]>;
interface Operation {
  operationId?: string;
  summary?: string;
  security?: SecurityRequirement[];
  parameters?: (Parameter | Ref)[];
  requestBody?: { required?: boolean; content: Record<string, MediaType> };
  responses: Record<string, Response>;
}
type PathItem = { parameters?: (Parameter | Ref)[] } & Partial<Record<HttpMethod, Operation>>;
interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  servers: { url: string }[];
  security?: SecurityRequirement[];
  paths: Record<string, PathItem>;
  components: {
    schemas: Record<string, Schema>;
    securitySchemes: Record<string, { type: string; scheme?: string }>;
  };
}

const doc = JSON.parse(fs.readFileSync(openApiPath, 'utf8')) as OpenApiDoc;
const packageJson = JSON.parse(fs.readFileSync(`${__dirname}/../package.json`, 'utf8')) as {
  version: string;
};
const openRoutes = ['GET /v1/openapi.json', 'GET /v1/health'];

interface DocOperation {
  route: string;
  method: HttpMethod;
  template: string;
  op: Operation;
  /** JSON pointer of the operation inside the document. */
  pointer: string;
}

const encodePointer = (part: string) => part.replace(/~/g, '~0').replace(/\//g, '~1');

function operations(): DocOperation[] {
  const result: DocOperation[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const method of httpMethods) {
      const op = item[method];
      if (op) {
        result.push({
          route: `${method.toUpperCase()} ${template}`,
          method,
          template,
          op,
          pointer: `/paths/${encodePointer(template)}/${method}`,
        });
      }
    }
  }
  return result;
}

function operation(route: string): DocOperation {
  const found = operations().find((o) => o.route === route);
  if (!found) throw new Error(`The document has no operation ${route}`);
  return found;
}

function resolvePointer(pointer: string): unknown {
  let node: unknown = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !(key in node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function deref<T>(value: T | Ref): T {
  if (typeof value === 'object' && value !== null && '$ref' in value) {
    const target = resolvePointer(value.$ref.replace(/^#/, ''));
    if (target === undefined) throw new Error(`Unresolved $ref ${value.$ref}`);
    return target as T;
  }
  return value;
}

/** Path-level and operation-level parameters together, resolved. */
function parametersOf(o: DocOperation): Parameter[] {
  return [...(doc.paths[o.template]?.parameters ?? []), ...(o.op.parameters ?? [])].map((p) => deref(p));
}

function* walk(node: unknown, pointer = ''): Generator<{ pointer: string; value: unknown; key: string }> {
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    const child = `${pointer}/${encodePointer(key)}`;
    yield { pointer: child, value, key };
    yield* walk(value, child);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Ajv over the document: schemas are compiled from their place in it, so their $refs resolve as written.

const docId = 'https://longhaul.invalid/v1/openapi.json';

function makeAjv() {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (s: string) =>
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(s) && !Number.isNaN(Date.parse(s)),
  });
  // The document itself is added as one schema (so "#/components/..." refs resolve); Ajv compiles its root on
  // the way to a fragment, so the root's OpenAPI fields are declared as inert keywords, and strict mode stays on.
  for (const field of Object.keys(doc)) ajv.addKeyword(field);
  ajv.addSchema(doc, docId);
  return ajv;
}

const ajv = makeAjv();
const validators = new Map<string, ValidateFunction>();

function validatorAt(pointer: string): ValidateFunction {
  let validate = validators.get(pointer);
  if (!validate) {
    if (resolvePointer(pointer) === undefined) throw new Error(`No schema at ${pointer}`);
    validate = ajv.compile({ $ref: `${docId}#${pointer}` });
    validators.set(pointer, validate);
  }
  return validate;
}

const component = (name: string) => validatorAt(`/components/schemas/${encodePointer(name)}`);

function expectValid(validate: ValidateFunction, value: unknown): void {
  const valid = validate(value);
  // On failure, show Ajv's errors next to the value.
  expect({ valid, errors: validate.errors ?? null, value }).toEqual({ valid: true, errors: null, value });
}

function isValid(validate: ValidateFunction, value: unknown): boolean {
  return validate(value);
}

/** True when the real rule accepts the value, false when it refuses it with a LonghaulError. */
function accepts(rule: () => unknown): boolean {
  try {
    rule();
    return true;
  } catch (err) {
    if (err instanceof LonghaulError) return false;
    throw err;
  }
}

/** For each sample, whether the schema and the real rule agree; a mismatch shows which sample. */
function expectAgreement(
  validate: ValidateFunction,
  rule: (value: never) => unknown,
  samples: unknown[],
): void {
  const disagreements = samples
    .map((sample) => ({
      sample,
      schema: isValid(validate, sample),
      api: accepts(() => rule(sample as never)),
    }))
    .filter((r) => r.schema !== r.api);
  expect(disagreements).toEqual([]);
}

/**
 * The real FunctionLimits on a temporary database. The registry beside it is a stub, so the functions have no
 * rows: foreign keys are off, and the stub's requireFunction says which functions exist.
 */
function temporaryLimits(
  requireFunction: (accountId: string, namespace: string, name: string) => void,
  quotaMb = defaultAccountConcurrencyMb,
) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'longhaul-openapi-limits-'));
  const db = openDatabase(dir);
  db.pragma('foreign_keys = OFF');
  const limits = new FunctionLimits(db, { requireFunction } as unknown as FunctionRegistry, quotaMb);
  const close = () => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { limits, close };
}

// ---------------------------------------------------------------------------------------------------------
// Samples.

const now = new Date('2025-01-02T03:04:05.678Z').toISOString();
const sha256 = createHash('sha256').update('sample').digest('hex');

const sampleFunction: FunctionView = {
  accountId: 'acct-1',
  namespace: 'default',
  name: 'hello-world',
  version: '$LATEST',
  runtime: 'Nodejs18.15',
  asyncRunEnable: true,
  traceEnable: true,
  traceEnabledAt: now,
  addTime: now,
  modTime: now,
  handler: 'index.main_handler',
  codeSha256: sha256,
  codeSize: 1234,
  timeoutSeconds: 86400,
  memoryMb: 256,
  environment: { STAGE: 'prod' },
  description: 'says hello',
  logsetId: 'prod-logs',
  topicId: 'api',
};

const sampleVersion: FunctionView = {
  ...sampleFunction,
  version: '1',
  asyncRunEnable: false,
  traceEnable: false,
  traceEnabledAt: null,
  timeoutSeconds: 900,
  memoryMb: 64,
  environment: {},
  description: '',
  logsetId: '',
  topicId: '',
};

const sampleRequestId = randomUUID();

const finishedEvent: EventView = {
  requestId: sampleRequestId,
  namespace: 'default',
  functionName: 'hello-world',
  qualifier: '$LATEST',
  invokeType: 'API',
  status: 'FINISHED',
  statusCode: 200,
  startTime: now,
  endTime: now,
  durationMs: 12,
  memUsageBytes: 1048576,
  result: { hello: 'world' },
  logTail: 'hello\n',
};

const abortedEvent: EventView = {
  ...finishedEvent,
  status: 'ABORTED',
  statusCode: 499,
  result: undefined,
  error: { type: 'Aborted', message: 'Terminated' },
};

const runningEvent: EventView = {
  ...finishedEvent,
  status: 'RUNNING',
  statusCode: 0,
  endTime: null,
  durationMs: null,
  memUsageBytes: null,
  result: undefined,
  logTail: undefined,
};

/** Events as status tracking's queries return them (Dates; the routes send ISO times). */
const finishedSummary: EventSummary = {
  requestId: sampleRequestId,
  namespace: 'default',
  functionName: 'hello-world',
  qualifier: '$LATEST',
  invokeType: 'API',
  status: 'FINISHED',
  statusCode: 200,
  startTime: new Date(now),
  endTime: new Date(now),
};

const runningSummary: EventSummary = {
  ...finishedSummary,
  requestId: randomUUID(),
  qualifier: '1',
  invokeType: 'TIMER',
  status: 'RUNNING',
  statusCode: 0,
  endTime: null,
};

/** Log lines and attempts as the log store returns them (epoch milliseconds; the routes send ISO times). */
const startedAtMs = Date.parse('2026-12-03T08:00:00.000Z');
const sampleLines: LogLine[] = [
  {
    attempt: 1,
    seq: 1,
    stream: 'platform',
    timeMs: startedAtMs,
    text: `[PLATFORM] START RequestId: ${sampleRequestId} Version: $LATEST Attempt: 1`,
  },
  { attempt: 1, seq: 2, stream: 'stdout', timeMs: startedAtMs + 5, text: 'hello from attempt 1' },
  {
    attempt: 2,
    seq: 1,
    stream: 'platform',
    timeMs: startedAtMs + 60_000,
    text: `[PLATFORM] START RequestId: ${sampleRequestId} Version: $LATEST Attempt: 2`,
  },
  { attempt: 2, seq: 2, stream: 'stdout', timeMs: startedAtMs + 60_005, text: 'hello from attempt 2' },
  { attempt: 2, seq: 3, stream: 'stderr', timeMs: startedAtMs + 60_006, text: 'a warning' },
  {
    attempt: 2,
    seq: 4,
    stream: 'platform',
    timeMs: startedAtMs + 60_012,
    text: `[PLATFORM] END RequestId: ${sampleRequestId}`,
  },
  {
    attempt: 2,
    seq: 5,
    stream: 'platform',
    timeMs: startedAtMs + 60_012,
    text: `[PLATFORM] REPORT RequestId: ${sampleRequestId} Duration: 12.00 ms Billed Duration: 12 ms Memory Size: 256 MB Max Memory Used: 1.00 MB Status: 200 Exit: code 0`,
  },
];
const attemptStart = {
  accountId: 'acct-1',
  requestId: sampleRequestId,
  namespace: 'default',
  functionName: 'hello-world',
  qualifier: '$LATEST',
  logsetId: 'prod-logs',
  topicId: 'api',
};
/** An attempt cut off by a lost worker: no end. */
const crashedAttempt: FoundAttempt = {
  ...attemptStart,
  attempt: 1,
  startedAtMs,
  end: null,
  lineCount: 2,
  log: `${sampleLines[0]!.text}\n${sampleLines[1]!.text}\n`,
  logTruncated: false,
};
const endedAttempt: FoundAttempt = {
  ...attemptStart,
  attempt: 2,
  startedAtMs: startedAtMs + 60_000,
  end: {
    endedAtMs: startedAtMs + 60_012,
    statusCode: 200,
    message: '',
    durationMs: 12,
    billedDurationMs: 12,
    memUsageBytes: 1048576,
  },
  lineCount: 5,
  log: '',
  logTruncated: true,
};

const zipFile = Buffer.from('PK\u0003\u0004 not really a zip').toString('base64');
const silentLogger = pino({ level: 'silent' });

// ---------------------------------------------------------------------------------------------------------

describe('the OpenAPI document', () => {
  test('is OpenAPI 3.1 with the package version, the local server and Basic auth', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBe('longhaul');
    expect(doc.info.version).toBe(packageJson.version);
    expect(doc.servers).toEqual([{ url: 'http://127.0.0.1:9000' }]);
    expect(doc.components.securitySchemes.basicAuth).toMatchObject({ type: 'http', scheme: 'basic' });
    expect(doc.security).toEqual([{ basicAuth: [] }]);
  });

  test('describes exactly the routes the API serves', () => {
    const served = routeList();
    const documented = operations().map((o) => o.route);
    const missingFromDoc = served.filter((r) => !documented.includes(r)).sort();
    const notServed = documented.filter((r) => !served.includes(r)).sort();
    expect({ missingFromDoc, notServed }).toEqual({ missingFromDoc: [], notServed: [] });
    expect(new Set(documented).size).toBe(documented.length);
  });

  test('declares exactly the path parameters of each path template', () => {
    for (const o of operations()) {
      const inTemplate = [...o.template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const declared = parametersOf(o).filter((p) => p.in === 'path');
      expect({ route: o.route, path: declared.map((p) => p.name).sort() }).toEqual({
        route: o.route,
        path: inTemplate,
      });
      for (const p of declared)
        expect({ route: o.route, name: p.name, required: p.required }).toMatchObject({ required: true });
    }
  });

  test('gives every operation a unique operationId and a summary', () => {
    const ids = operations().map((o) => o.op.operationId);
    for (const o of operations()) {
      expect({ route: o.route, operationId: o.op.operationId }).toEqual({
        route: o.route,
        operationId: expect.stringMatching(/^[a-z][A-Za-z]+$/),
      });
      expect({ route: o.route, summary: o.op.summary }).toEqual({
        route: o.route,
        summary: expect.any(String),
      });
    }
    const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(duplicates).toEqual([]);
  });

  test('secures every route but the open ones, with schemes it defines', () => {
    for (const o of operations()) {
      const security = o.op.security ?? doc.security ?? [];
      if (openRoutes.includes(o.route)) {
        expect({ route: o.route, security }).toEqual({ route: o.route, security: [] });
        continue;
      }
      expect({ route: o.route, secured: security.length > 0 }).toEqual({ route: o.route, secured: true });
      for (const requirement of security) {
        expect(Object.keys(requirement).length).toBeGreaterThan(0);
        for (const scheme of Object.keys(requirement))
          expect(doc.components.securitySchemes).toHaveProperty([scheme]);
      }
    }
  });

  test('has a success response for every operation', () => {
    for (const o of operations()) {
      const success = Object.keys(o.op.responses).filter((s) => /^2\d\d$/.test(s));
      expect({ route: o.route, success: success.length > 0 }).toEqual({ route: o.route, success: true });
    }
  });

  test('resolves every $ref', () => {
    const broken = [...walk(doc)]
      .filter((n) => n.key === '$ref')
      .map((n) => ({ at: n.pointer, ref: n.value as string }))
      .filter((r) => !r.ref.startsWith('#/') || resolvePointer(r.ref.slice(1)) === undefined);
    expect(broken).toEqual([]);
  });
});

describe('errors in the OpenAPI document', () => {
  const catalogue = errorCatalogue as Record<string, { status: number; description: string }>;
  const catalogueStatuses = new Set(Object.values(catalogue).map((e) => String(e.status)));

  test('the Error code enum is the error catalogue', () => {
    const errorSchema = doc.components.schemas.Error as {
      properties: { error: { properties: { code: { enum: string[] } } } };
    };
    const codes = errorSchema.properties.error.properties.code.enum;
    expect([...codes].sort()).toEqual(Object.keys(errorCatalogue).sort());
    expect(new Set(codes).size).toBe(codes.length);
  });

  test('every error response uses a catalogue status, the Error schema and codes of that status', () => {
    const problems: string[] = [];
    for (const o of operations()) {
      for (const [status, raw] of Object.entries(o.op.responses)) {
        if (!/^[45]\d\d$/.test(status)) continue;
        const response = deref(raw);
        const where = `${o.route} ${status}`;
        if (!catalogueStatuses.has(status)) problems.push(`${where}: no catalogue code has status ${status}`);
        const schema = response.content?.['application/json']?.schema;
        if (schema?.$ref !== '#/components/schemas/Error')
          problems.push(`${where}: body is not the Error schema`);
        const codes = response['x-error-codes'] ?? [];
        if (codes.length === 0) problems.push(`${where}: lists no x-error-codes`);
        for (const code of codes) {
          if (!catalogue[code]) problems.push(`${where}: ${code} is not in the catalogue`);
          else if (String(catalogue[code].status) !== status) {
            problems.push(`${where}: ${code} has status ${catalogue[code].status}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test('every authenticated operation documents 401 and 500', () => {
    for (const o of operations().filter((x) => !openRoutes.includes(x.route))) {
      expect({ route: o.route, statuses: Object.keys(o.op.responses) }).toEqual({
        route: o.route,
        statuses: expect.arrayContaining(['401', '500']),
      });
    }
  });
});

describe('the schemas of the OpenAPI document', () => {
  const required = [
    'Function',
    'CreateFunctionRequest',
    'UpdateCodeRequest',
    'UpdateConfigurationRequest',
    'Namespace',
    'Event',
    'InvokeAccepted',
    'Error',
    'TerminateRequest',
    'EventSummary',
    'EventList',
    'EventOverview',
    'LogLine',
    'LogPage',
    'LogFollowEvent',
    'LogInvocation',
    'LogSearchResult',
    'ReservedConcurrency',
    'PutReservedConcurrencyRequest',
    'InvokeConfig',
    'UpdateInvokeConfigRequest',
  ];

  test('include the named components', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(required));
  });

  test('every component schema compiles with Ajv 2020 (strict)', () => {
    for (const name of Object.keys(doc.components.schemas)) {
      expect(() => component(name)).not.toThrow();
    }
  });

  test('every schema in parameters, bodies, responses and headers compiles', () => {
    const pointers = [
      ...walk(doc.paths, '/paths'),
      ...walk(resolvePointer('/components/parameters'), '/components/parameters'),
      ...walk(resolvePointer('/components/headers'), '/components/headers'),
    ]
      .filter((n) => n.key === 'schema' && typeof n.value === 'object')
      .map((n) => n.pointer);
    expect(pointers.length).toBeGreaterThan(20);
    for (const pointer of pointers) expect(() => validatorAt(pointer)).not.toThrow();
  });

  test('request schemas refuse unknown fields, as the API does (UnknownParameter)', () => {
    for (const name of [
      'CreateFunctionRequest',
      'UpdateCodeRequest',
      'UpdateConfigurationRequest',
      'TerminateRequest',
      'CreateNamespaceRequest',
      'PublishVersionRequest',
      'PutReservedConcurrencyRequest',
      'UpdateInvokeConfigRequest',
    ]) {
      expect({ name, additionalProperties: doc.components.schemas[name]?.additionalProperties }).toEqual({
        name,
        additionalProperties: false,
      });
    }
    expect(isValid(component('TerminateRequest'), { force: true })).toBe(false);
  });

  test('a real functionJson output matches Function, field for field', () => {
    for (const fn of [sampleFunction, sampleVersion]) expectValid(component('Function'), functionJson(fn));
    const schema = doc.components.schemas.Function as { properties: Schema; required: string[] };
    const fields = Object.keys(functionJson(sampleFunction)).sort();
    expect(Object.keys(schema.properties).sort()).toEqual(fields);
    expect([...schema.required].sort()).toEqual(fields);
    expect(isValid(component('Function'), { ...functionJson(sampleFunction), extra: 1 })).toBe(false);
    expect(isValid(component('Function'), { ...functionJson(sampleFunction), memorySize: 100 })).toBe(false);
  });

  test('events in each state match Event', () => {
    for (const event of [finishedEvent, abortedEvent, runningEvent]) {
      // Through JSON, as the API sends it (undefined fields vanish).
      expectValid(component('Event'), JSON.parse(JSON.stringify(event)));
    }
    expect(isValid(component('Event'), { ...finishedEvent, status: 'DONE' })).toBe(false);
  });

  test('a real summaryJson output matches EventSummary, field for field', () => {
    for (const e of [finishedSummary, runningSummary]) {
      expectValid(component('EventSummary'), JSON.parse(JSON.stringify(summaryJson(e))));
    }
    const schema = doc.components.schemas.EventSummary as { properties: Schema; required: string[] };
    const fields = Object.keys(summaryJson(finishedSummary)).sort();
    expect(Object.keys(schema.properties).sort()).toEqual(fields);
    expect([...schema.required].sort()).toEqual(fields);
    expect(isValid(component('EventSummary'), { ...summaryJson(finishedSummary), status: 'DONE' })).toBe(
      false,
    );
    expect(isValid(component('EventSummary'), { ...summaryJson(finishedSummary), result: 1 })).toBe(false);
    expectValid(component('EventList'), { totalCount: 0, events: [] });
    expectValid(component('EventOverview'), {
      total: 0,
      counts: { RUNNING: 0, FINISHED: 0, FAILED: 0, ABORTED: 0 },
    });
    expect(isValid(component('EventOverview'), { total: 0, counts: { RUNNING: 0 } })).toBe(false);
  });

  test('real lineJson outputs match LogLine, field for field, and are the LogFollowEvent line data', () => {
    for (const line of sampleLines) {
      expectValid(component('LogLine'), lineJson(line));
      expectValid(component('LogFollowEvent'), {
        event: 'line',
        id: lineJson(line).id,
        data: lineJson(line),
      });
    }
    const schema = doc.components.schemas.LogLine as { properties: Schema; required: string[] };
    const fields = Object.keys(lineJson(sampleLines[0]!)).sort();
    expect(Object.keys(schema.properties).sort()).toEqual(fields);
    expect([...schema.required].sort()).toEqual(fields);
    expect(isValid(component('LogLine'), { ...lineJson(sampleLines[0]!), stream: 'stdin' })).toBe(false);
    expect(isValid(component('LogLine'), { ...lineJson(sampleLines[0]!), id: '1:1' })).toBe(false);
    for (const event of [finishedEvent, abortedEvent]) {
      expectValid(component('LogFollowEvent'), { event: 'end', data: JSON.parse(JSON.stringify(event)) });
    }
    expect(isValid(component('LogFollowEvent'), { event: 'end', id: '1-1', data: finishedEvent })).toBe(
      false,
    );
    expect(isValid(component('LogFollowEvent'), { event: 'line', data: lineJson(sampleLines[0]!) })).toBe(
      false,
    );
  });

  test('real reservationJson and invokeConfigJson outputs match ReservedConcurrency and InvokeConfig', () => {
    const { limits, close } = temporaryLimits(() => undefined, 1024);
    try {
      const none = reservationJson(limits, sampleFunction);
      expectValid(component('ReservedConcurrency'), none);
      limits.reserve('acct-1', sampleFunction.namespace, sampleFunction.name, 512);
      expectValid(component('ReservedConcurrency'), reservationJson(limits, sampleFunction));
      const schema = doc.components.schemas.ReservedConcurrency as { properties: Schema; required: string[] };
      expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(none).sort());
      expect([...schema.required].sort()).toEqual(Object.keys(none).sort());
      expect(isValid(component('ReservedConcurrency'), { ...none, extra: 1 })).toBe(false);
      const config = invokeConfigJson(limits.invokeConfig('acct-1', 'default', 'hello-world'));
      expectValid(component('InvokeConfig'), config);
      const invokeSchema = doc.components.schemas.InvokeConfig as { required: string[] };
      expect([...invokeSchema.required].sort()).toEqual(Object.keys(config).sort());
    } finally {
      close();
    }
  });

  test('a real attemptJson output matches LogInvocation, field for field', () => {
    for (const attempt of [crashedAttempt, endedAttempt]) {
      expectValid(component('LogInvocation'), attemptJson(attempt));
    }
    const schema = doc.components.schemas.LogInvocation as { properties: Schema; required: string[] };
    const fields = Object.keys(attemptJson(endedAttempt)).sort();
    expect(Object.keys(schema.properties).sort()).toEqual(fields);
    expect([...schema.required].sort()).toEqual(fields);
    expect(isValid(component('LogInvocation'), { ...attemptJson(endedAttempt), extra: 1 })).toBe(false);
    expectValid(component('LogSearchResult'), { totalCount: 0, invocations: [] });
    expectValid(component('LogPage'), {
      requestId: sampleRequestId,
      status: 'RUNNING',
      lines: [],
      nextCursor: null,
      hasMore: false,
    });
  });

  test('real error bodies from the error handler match Error', async () => {
    const bodyOf = async (err: Error) => {
      const headers: Record<string, string> = {};
      const ctx = {
        method: 'POST',
        path: '/v1/anything',
        status: 200,
        body: undefined as unknown,
        set: (name: string, value: string) => void (headers[name] = value),
      };
      await errorHandler(silentLogger)(ctx as unknown as Context, () => Promise.reject(err));
      return {
        status: ctx.status,
        body: ctx.body as { requestId: string; error: { code: string } },
        headers,
      };
    };
    const tooLarge = await bodyOf(
      new LonghaulError('RequestTooLarge.Event', 'The event is too large', {
        sizeBytes: 200000,
        maxBytes: 131072,
      }),
    );
    expect(tooLarge.status).toBe(406);
    expectValid(component('Error'), tooLarge.body);
    expect(tooLarge.body.requestId).toBe(tooLarge.headers['X-Request-Id']);
    const internal = await bodyOf(new Error('boom'));
    expect(internal.status).toBe(500);
    expectValid(component('Error'), internal.body);
    expect(internal.body.error.code).toBe('InternalError');
    expect(
      isValid(component('Error'), { error: { code: 'NoSuchCode', message: 'x' }, requestId: randomUUID() }),
    ).toBe(false);
  });
});

describe('the schemas agree with the real validation rules', () => {
  /** A parameter of an operation, resolved, and the pointer of its schema (inline or a component). */
  const queryParameter = (o: DocOperation, name: string, where: Parameter['in'] = 'query') => {
    const raw = o.op.parameters ?? [];
    const index = raw.findIndex((p) => deref(p).name === name && deref(p).in === where);
    if (index < 0) throw new Error(`${o.route} has no ${where} parameter ${name}`);
    const p = raw[index]!;
    const at = '$ref' in p ? p.$ref.replace(/^#/, '') : `${o.pointer}/parameters/${index}`;
    return { parameter: deref(p), schemaPointer: `${at}/schema` };
  };
  const querySchema = (o: DocOperation, name: string, where: Parameter['in'] = 'query') =>
    validatorAt(queryParameter(o, name, where).schemaPointer);
  /** Sends the value as the query string would carry it: arrays as repeated keys, the rest as text. */
  const asQuery = (value: unknown) => (Array.isArray(value) ? value.map(String) : String(value));
  const times = [
    '2026-12-03T08:00:00Z',
    '2026-12-03T08:00Z',
    '2026-12-03T16:00+08:00',
    '2026-12-03T08:00:00.5-05:30',
    '2026-12-03T08:00:00.123456789Z',
    '0000-01-01T00:00Z',
    '2026-12-03T08:00:00',
    '2026-12-03',
    '2026-12-03t08:00:00Z',
    '2026-12-03T08:00:00z',
    '2026-13-01T00:00Z',
    '2026-12-32T00:00Z',
    '2026-12-03T25:00Z',
    '2026-12-03T08:60Z',
    '2026-12-03T08:00:00.1234567890Z',
    '2026-12-03T08:00+24:00',
    '2026-12-03T16:00 08:00',
    'yesterday',
    '1764748800000',
    '',
  ];

  test('function names', () => {
    expectAgreement(component('FunctionName'), rules.validateFunctionName, [
      'ab',
      'a',
      'my-function',
      'My_Func1',
      'a-b',
      '1abc',
      '_abc',
      'abc-',
      'abc_',
      'a'.repeat(60),
      'a'.repeat(61),
      'ab c',
      'abé',
      '',
      12,
      null,
    ]);
  });

  test('namespaces', () => {
    expectAgreement(component('NamespaceName'), rules.validateNamespace, [
      'default',
      'a',
      '1',
      'a-b',
      'a_b',
      'a-',
      '-a',
      '_a',
      'x'.repeat(30),
      'x'.repeat(31),
      'a b',
      '',
      3,
    ]);
  });

  test('handlers', () => {
    expectAgreement(component('Handler'), rules.validateHandler, [
      'index.main_handler',
      'src/app.handler',
      'a.b',
      'x.y.z',
      'index.$h',
      '/abs.handler',
      '../up.handler',
      'dir/../up.handler',
      'index',
      'index.1bad',
      'dir\\f.h',
      `${'a'.repeat(126)}.h`,
      `${'a'.repeat(127)}.h`,
      5,
    ]);
  });

  test('runtimes', () => {
    expectAgreement(component('Runtime'), rules.validateRuntime, [
      ...rules.exampleRuntimes,
      'Nodejs22',
      'Python3.9',
      'Python2.7',
      'CustomRuntime',
      'Go1',
      'nodejs18.15',
      'Nodejs18.',
      'Nodejs18.15.1',
      '',
    ]);
  });

  test('timeouts (with async execution at the highest configurable limit)', () => {
    const maxAsync = loadConfig({ LONGHAUL_MAX_ASYNC_TIMEOUT_SECONDS: '604800' }).maxAsyncTimeoutSeconds;
    expect(() => loadConfig({ LONGHAUL_MAX_ASYNC_TIMEOUT_SECONDS: '604801' })).toThrow();
    expectAgreement(component('Timeout'), (t) => rules.validateTimeout(t, true, maxAsync), [
      1,
      3,
      900,
      901,
      86400,
      604800,
      604801,
      0,
      -1,
      1.5,
      '3',
    ]);
  });

  test('memory sizes', () => {
    expectAgreement(component('MemorySize'), rules.validateMemorySize, [
      64,
      128,
      256,
      384,
      3072,
      32768,
      32896,
      0,
      32,
      100,
      192,
      -128,
      128.5,
      '128',
    ]);
  });

  test('environments', () => {
    expectAgreement(component('Environment'), rules.validateEnvironment, [
      {},
      { A: '1' },
      { _x: 'y', B2: '' },
      { '1A': 'x' },
      { 'A-B': 'x' },
      { SCF_X: 'x' },
      { LONGHAUL_X: '1' },
      { TENCENTCLOUD_A: 'b' },
      { A: 1 },
      [],
      'x',
      null,
    ]);
  });

  test('descriptions', () => {
    expectAgreement(component('Description'), rules.validateDescription, [
      '',
      'x'.repeat(1000),
      'x'.repeat(1001),
      5,
    ]);
  });

  test('qualifiers and request ids', () => {
    expectAgreement(component('Qualifier'), rules.validateQualifier, [
      '$LATEST',
      '1',
      '42',
      '123456789',
      '1234567890',
      '0',
      '01',
      'latest',
      '-1',
    ]);
    expectAgreement(component('RequestId'), (id: string) => validateRequestId(id), [
      randomUUID(),
      randomUUID().toUpperCase(),
      'abc',
      '',
    ]);
  });

  test('invoke types and idempotency keys', () => {
    const invoke = operation('POST /v1/namespaces/{namespace}/functions/{functionName}/invocations');
    const index = (name: string) => (invoke.op.parameters ?? []).findIndex((p) => deref(p).name === name);
    const invokeType = deref((invoke.op.parameters ?? [])[index('invokeType')]!);
    expect(invokeType.in).toBe('query');
    expect(invokeType.schema).toEqual({ enum: [...invokeTypes], default: 'API' });
    const keySchema = validatorAt(`${invoke.pointer}/parameters/${index('Idempotency-Key')}/schema`);
    const scope = {
      accountId: 'acct-1',
      namespace: 'default',
      functionName: 'hello',
      functionCreatedAt: '2026-01-01T00:00:00.000Z',
    };
    expectAgreement(keySchema, (key: string) => requestIdFor(scope, key), [
      'k',
      'a.b_c:d-e',
      'x'.repeat(128),
      'x'.repeat(129),
      '',
      'has space',
      'ü',
    ]);
  });

  describe('the query parameters of status tracking', () => {
    const list = () => operation('GET /v1/namespaces/{namespace}/functions/{functionName}/events');
    const listRule = (name: string) => (value: unknown) =>
      parseListEvents(sampleFunction, undefined, { [name]: asQuery(value) });

    test('the documented defaults are the ones the API uses', () => {
      const defaults = parseListEvents(sampleFunction, undefined, {});
      const documented = (name: string) => (queryParameter(list(), name).parameter.schema as Schema).default;
      expect({
        orderBy: documented('orderBy'),
        order: documented('order'),
        offset: documented('offset'),
        limit: documented('limit'),
      }).toEqual({
        orderBy: defaults.orderBy,
        order: defaults.order,
        offset: defaults.offset,
        limit: defaults.limit,
      });
    });

    test('limit, offset, order and orderBy', () => {
      expectAgreement(querySchema(list(), 'limit'), listRule('limit'), [1, 20, 100, 0, 101, -1, 1.5]);
      expectAgreement(querySchema(list(), 'offset'), listRule('offset'), [0, 1, 123456, -1, 2.5]);
      expectAgreement(querySchema(list(), 'order'), listRule('order'), [
        'ASC',
        'DESC',
        'asc',
        'Desc',
        'UP',
        'ASC ',
        '',
      ]);
      expectAgreement(querySchema(list(), 'orderBy'), listRule('orderBy'), [
        'StartTime',
        'EndTime',
        'starttime',
        'AddTime',
        '',
      ]);
    });

    test('status and invokeType lists', () => {
      const items = (name: string) =>
        (queryParameter(list(), name).parameter.schema as { items: { enum: string[] } }).items.enum;
      expect(items('invokeType')).toEqual([...invokeTypes]);
      expect(items('status')).toEqual(
        (doc.components.schemas.Event as { properties: { status: { enum: string[] } } }).properties.status
          .enum,
      );
      expectAgreement(querySchema(list(), 'status'), listRule('status'), [
        ['RUNNING'],
        ['FINISHED', 'FAILED', 'ABORTED'],
        ['DONE'],
        ['running'],
        ['RUNNING', 'DONE'],
      ]);
      expectAgreement(querySchema(list(), 'invokeType'), listRule('invokeType'), [
        ['API'],
        ['TIMER', 'COS'],
        ['api'],
        ['HTTP'],
      ]);
      // Comma-separated values are the same filter as repeated keys.
      expect(
        parseListEvents(sampleFunction, undefined, { status: 'FAILED, ABORTED' }).filter.statuses,
      ).toEqual(['FAILED', 'ABORTED']);
    });

    test('a date that is not on the calendar passes the schema pattern but the API refuses it', () => {
      expect(isValid(querySchema(list(), 'startTimeFrom'), '2026-02-31T00:00Z')).toBe(true);
      expect(() =>
        parseListEvents(sampleFunction, undefined, { startTimeFrom: '2026-02-31T00:00Z' }),
      ).toThrow(expect.objectContaining({ code: 'InvalidParameterValue.StartTimeInterval' }));
    });

    test('times (24:00, which Node.js also reads, is left out of the schema)', () => {
      for (const name of ['startTimeFrom', 'startTimeTo', 'endTimeFrom', 'endTimeTo']) {
        expectAgreement(querySchema(list(), name), listRule(name), times);
      }
      for (const route of [
        'GET /v1/namespaces/{namespace}/functions/{functionName}/events/overview',
        'GET /v1/namespaces/{namespace}/functions/{functionName}/events/export',
        'GET /v1/namespaces/{namespace}/events/export',
      ]) {
        for (const name of ['startTimeFrom', 'startTimeTo']) {
          expectAgreement(
            querySchema(operation(route), name),
            (t: string) => parseOverview(sampleFunction, undefined, { [name]: t }),
            times,
          );
        }
      }
      // Intervals are closed at From and open at To: an empty one is refused.
      const at = '2026-12-03T08:00:00Z';
      expect(
        accepts(() => parseListEvents(sampleFunction, undefined, { endTimeFrom: at, endTimeTo: at })),
      ).toBe(false);
      expect(
        accepts(() => parseOverview(sampleFunction, undefined, { startTimeFrom: at, startTimeTo: at })),
      ).toBe(false);
    });

    test('requestId', () => {
      expectAgreement(querySchema(list(), 'requestId'), listRule('requestId'), [
        randomUUID(),
        randomUUID().toUpperCase(),
        'abc',
      ]);
    });
  });

  describe('the parameters of the log routes', () => {
    const page = () => operation('GET /v1/events/{requestId}/logs');
    const follow = () => operation('GET /v1/events/{requestId}/logs/follow');
    const search = () => operation('GET /v1/namespaces/{namespace}/functions/{functionName}/logs');
    const searchRule = (name: string) => (value: unknown) =>
      parseLogSearch(sampleFunction, undefined, { [name]: asQuery(value) });
    const cursors = [
      '1-1',
      '0-0',
      '2-15',
      '123456789-123456789012345',
      '1234567890-1',
      '1-1234567890123456',
      '',
      '1',
      '1-',
      '-1',
      '1-2-3',
      '1:2',
      'a-b',
      ' 1-1',
      '1-1 ',
      '1-1\n',
      '١-١',
    ];

    test('after and Last-Event-ID are line ids, or empty for the start', () => {
      for (const schema of [
        querySchema(page(), 'after'),
        querySchema(follow(), 'after'),
        querySchema(follow(), 'Last-Event-ID', 'header'),
      ]) {
        expectAgreement(schema, (raw: string) => parseCursor(raw, 'after'), cursors);
      }
      expectAgreement(component('LogLineId'), (raw: string) => parseCursor(raw || 'empty', 'after'), cursors);
    });

    test('the documented search defaults are the ones the API uses', () => {
      const defaults = parseLogSearch(sampleFunction, undefined, {});
      const documented = (name: string) =>
        (queryParameter(search(), name).parameter.schema as Schema).default;
      expect({
        order: documented('order'),
        offset: documented('offset'),
        limit: documented('limit'),
      }).toEqual({
        order: defaults.order,
        offset: defaults.offset,
        limit: defaults.limit,
      });
    });

    test('search order, outcome, text, offset, limit and requestId', () => {
      expectAgreement(querySchema(search(), 'order'), searchRule('order'), ['ASC', 'desc', 'Asc', 'UP', '']);
      expectAgreement(querySchema(search(), 'outcome'), searchRule('outcome'), [
        'success',
        'failure',
        'SUCCESS',
        'ok',
        '',
      ]);
      expectAgreement(querySchema(search(), 'text'), searchRule('text'), [
        'a',
        'error: timeout',
        '*',
        'x'.repeat(256),
        'x'.repeat(257),
        '',
      ]);
      expectAgreement(querySchema(search(), 'offset'), searchRule('offset'), [0, 1, 9980, 10000, -1, 2.5]);
      expectAgreement(querySchema(search(), 'limit'), searchRule('limit'), [1, 20, 100, 0, 101, -1, 1.5]);
      expectAgreement(querySchema(search(), 'requestId'), searchRule('requestId'), [
        randomUUID(),
        randomUUID().toUpperCase(),
        'abc',
      ]);
    });

    test('offset + limit over 10000 passes each schema but the API refuses it', () => {
      expect(isValid(querySchema(search(), 'offset'), 9999)).toBe(true);
      expect(isValid(querySchema(search(), 'limit'), 100)).toBe(true);
      expect(() => parseLogSearch(sampleFunction, undefined, { offset: '9999', limit: '100' })).toThrow(
        expect.objectContaining({ code: 'InvalidParameterValue.Offset' }),
      );
    });

    test('search times', () => {
      for (const name of ['startTimeFrom', 'startTimeTo']) {
        expectAgreement(querySchema(search(), name), searchRule(name), times);
      }
      const at = '2026-12-03T08:00:00Z';
      expect(
        accepts(() => parseLogSearch(sampleFunction, undefined, { startTimeFrom: at, startTimeTo: at })),
      ).toBe(false);
    });
  });

  test('CreateFunctionRequest accepts what parseCreateFunction accepts', () => {
    const base = { functionName: 'hello', code: { zipFile } };
    expectAgreement(
      component('CreateFunctionRequest'),
      (body: Record<string, unknown>) => parseCreateFunction('default', body, 604800),
      [
        base,
        {
          ...base,
          runtime: 'Nodejs20.15',
          handler: 'src/app.handler',
          memorySize: 64,
          environment: { A: 'b' },
          description: 'd',
        },
        { ...base, timeout: 900 },
        { ...base, timeout: 901 },
        { ...base, asyncRunEnable: true, timeout: 86400 },
        { ...base, asyncRunEnable: true, timeout: 604800 },
        { ...base, asyncRunEnable: true, timeout: 604801 },
        { ...base, asyncRunEnable: false, timeout: 901 },
        { ...base, traceEnable: true },
        { ...base, traceEnable: true, asyncRunEnable: true },
        { ...base, traceEnable: false, asyncRunEnable: true },
        { ...base, asyncRunEnable: 'yes' },
        { ...base, extra: 1 },
        { code: { zipFile } },
        { functionName: 'hello' },
        { ...base, code: { zipFile: '' } },
        { ...base, code: { zipFile: '   ' } },
        { ...base, code: { zipFile: '!!!' } },
        { ...base, code: zipFile },
        { ...base, code: {} },
        { ...base, memorySize: 100 },
        { ...base, environment: { SCF_A: 'x' } },
        { ...base, handler: 'index' },
        { ...base, runtime: 'Go1' },
        { ...base, description: 'x'.repeat(1001) },
        { ...base, functionName: 'ab-' },
        { ...base, logsetId: 'a', topicId: 'b' },
        { ...base, logsetId: 'prod-logs', topicId: 'api_2' },
        { ...base, logsetId: 'a' },
        { ...base, topicId: 'b' },
        { ...base, logsetId: '', topicId: '' },
        { ...base, logsetId: 'a', topicId: '' },
        { ...base, logsetId: 'x'.repeat(64), topicId: 'b' },
        { ...base, logsetId: 'x'.repeat(65), topicId: 'b' },
        { ...base, logsetId: 'a b', topicId: 'b' },
        { ...base, logsetId: 'a', topicId: 'b/c' },
        { ...base, logsetId: 1, topicId: 'b' },
      ],
    );
  });

  test('UpdateConfigurationRequest accepts what parseConfigurationPatch accepts (for an async function)', () => {
    // The schema cannot know the function's current runtime and asyncRunEnable: samples keep them unchanged.
    const current = sampleFunction;
    expectAgreement(
      component('UpdateConfigurationRequest'),
      (body: Record<string, unknown>) => parseConfigurationPatch(current, body, 604800),
      [
        {},
        { timeout: 604800 },
        { timeout: 0 },
        { memorySize: 512 },
        { memorySize: 500 },
        { environment: { A: 'b' } },
        { description: 'd' },
        { traceEnable: true },
        { traceEnable: 'x' },
        { runtime: current.runtime },
        { asyncRunEnable: true },
        { handler: 'x.y' },
        { code: { zipFile } },
        // The current function has a destination, so one part alone leaves a whole one.
        { logsetId: 'a', topicId: 'b' },
        { logsetId: '', topicId: '' },
        { logsetId: 'new-logs' },
        { topicId: 'new_topic' },
        { logsetId: 'a', topicId: '' },
        { logsetId: '', topicId: 'b' },
        { logsetId: 'x'.repeat(65) },
        { topicId: 'a b' },
      ],
    );
  });

  describe('the bodies of the limit routes, through the real FunctionLimits', () => {
    const { limits, close } = temporaryLimits(() => undefined, 4096);
    afterAll(close);

    test('PutReservedConcurrencyRequest accepts what the reservation route accepts (within the quota)', () => {
      expectAgreement(
        component('PutReservedConcurrencyRequest'),
        (body: Record<string, unknown>) =>
          limits.reserve('acct-1', 'default', 'hello', parseReservation(body)),
        [
          { reservedConcurrencyMemMb: 0 },
          { reservedConcurrencyMemMb: 128 },
          { reservedConcurrencyMemMb: 4096 },
          { reservedConcurrencyMemMb: -1 },
          { reservedConcurrencyMemMb: 1.5 },
          { reservedConcurrencyMemMb: '128' },
          { reservedConcurrencyMemMb: null },
          {},
          { reservedConcurrencyMemMb: 128, extra: 1 },
        ],
      );
    });

    test('UpdateInvokeConfigRequest accepts what the invoke-config route accepts', () => {
      expectAgreement(
        component('UpdateInvokeConfigRequest'),
        (body: Record<string, unknown>) =>
          limits.updateInvokeConfig('acct-1', 'default', 'hello', parseInvokeConfigPatch(body)),
        [
          {},
          { retryNum: 0 },
          { retryNum: 2 },
          { retryNum: 3 },
          { retryNum: -1 },
          { retryNum: 1.5 },
          { retryNum: '1' },
          { retryNum: null },
          { msgTtlSeconds: 60 },
          { msgTtlSeconds: 21600 },
          { msgTtlSeconds: 59 },
          { msgTtlSeconds: 21601 },
          { msgTtlSeconds: 600.5 },
          { msgTtlSeconds: '600' },
          { retryNum: 1, msgTtlSeconds: 3600 },
          { retryNum: 1, msgTtlSeconds: 10 },
          { retry: 1 },
        ],
      );
    });

    test('the documented defaults are the ones the API uses', () => {
      const defaultOf = (name: string) => doc.components.schemas[name]?.default;
      expect({ retryNum: defaultOf('RetryNum'), msgTtlSeconds: defaultOf('MsgTtlSeconds') }).toEqual(
        defaultInvokeConfig,
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// The real app, with stubbed registries and gateway: each response is checked against the document.

describe('real responses of the API', () => {
  const secret = { id: 'AKIDtest', key: 'test-secret' };
  const basic = `Basic ${Buffer.from(`${secret.id}:${secret.key}`).toString('base64')}`;
  const missing = (what: string) => new LonghaulError('ResourceNotFound.Function', `${what} does not exist`);
  const untrackedFunction: FunctionView = {
    ...sampleFunction,
    name: 'untracked',
    traceEnable: false,
    traceEnabledAt: null,
  };
  const untrackedRequestId = randomUUID();
  /** A function without a log destination: its events have no real-time logs. */
  const noLogsFunction: FunctionView = { ...sampleFunction, name: 'no-logs', logsetId: '', topicId: '' };
  const special: Record<string, FunctionView> = { untracked: untrackedFunction, 'no-logs': noLogsFunction };
  const noLogsRequestId = randomUUID();
  const unknownRequestId = randomUUID();
  /** An event of 250 lines that failed: its search result shows the first 200 (logTruncated). */
  const longRequestId = randomUUID();

  const registry = {
    create: (_a: string, input: NewFunction) =>
      Promise.resolve({
        ...sampleFunction,
        namespace: input.namespace,
        name: input.name,
        asyncRunEnable: input.asyncRunEnable,
      }),
    list: () => ({ functions: [sampleFunction], total: 1 }),
    get: (_a: string, _ns: string, name: string, qualifier = '$LATEST') => {
      if (name === 'missing') throw missing(name);
      if (qualifier === '99')
        throw new LonghaulError('ResourceNotFound.Version', `${name} has no version 99`);
      return { ...(special[name] ?? sampleFunction), version: qualifier };
    },
    find: (_a: string, _ns: string, name: string) =>
      name === 'missing' ? undefined : (special[name] ?? sampleFunction),
    listAll: (_a: string, namespace: string) => {
      if (namespace === 'gone')
        throw new LonghaulError('ResourceNotFound.Namespace', 'Namespace gone does not exist');
      return [sampleFunction, untrackedFunction, { ...sampleFunction, name: 'second-fn' }];
    },
    updateCode: () => Promise.resolve(sampleFunction),
    updateConfiguration: () => sampleFunction,
    delete: () => undefined,
    publishVersion: () => sampleVersion,
    listVersions: () => [sampleFunction, sampleVersion],
    requireFunction: (_a: string, _ns: string, name: string) => {
      if (name === 'missing') throw missing(name);
    },
  };
  const { limits, close: closeLimits } = temporaryLimits(registry.requireFunction);

  const gateway = {
    invoke: (_a: string, request: { functionName: string }) =>
      Promise.resolve(
        request.functionName === 'sync-fn'
          ? { async: false, requestId: sampleRequestId, event: finishedEvent }
          : { async: true, requestId: sampleRequestId, duplicate: false, status: 'RUNNING' },
      ),
    get: (_a: string, requestId: string) => {
      validateRequestId(requestId);
      if (requestId === untrackedRequestId) {
        throw new LonghaulError(
          'UnsupportedOperation.StatusTracking',
          'Status tracking is off for function untracked',
        );
      }
      return Promise.resolve(runningEvent);
    },
    /** As it is now, whatever the tracking: what the log routes read. */
    read: (_a: string, requestId: string) => {
      validateRequestId(requestId);
      if (requestId === unknownRequestId) {
        throw new LonghaulError('ResourceNotFound.AsyncEvent', `Event ${requestId} does not exist`);
      }
      if (requestId === noLogsRequestId) {
        return Promise.resolve({ ...finishedEvent, requestId, functionName: noLogsFunction.name });
      }
      return Promise.resolve({ ...finishedEvent, requestId });
    },
    terminate: (_a: string, requestId: string) => {
      validateRequestId(requestId);
      return Promise.resolve(abortedEvent);
    },
    poolCapacityChanged: () => Promise.resolve(),
  };

  // The real log reader over a real (SQLite) log store, fed the lines of sampleRequestId and longRequestId.
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'longhaul-openapi-'));
  const logStore = openSqliteLogStore({ file: path.join(logDir, 'logs.sqlite') });
  const eventLogs = new EventLogs({
    store: logStore,
    gateway,
    registry: registry as unknown as FunctionRegistry,
  });
  async function storeLogs() {
    const key = { accountId: 'acct-1', requestId: sampleRequestId };
    await logStore.beginAttempt({ ...attemptStart, attempt: 1, startedAtMs: crashedAttempt.startedAtMs });
    await logStore.beginAttempt({ ...attemptStart, attempt: 2, startedAtMs: endedAttempt.startedAtMs });
    await logStore.appendLines(key, sampleLines);
    await logStore.endAttempt({ ...key, attempt: 2, ...endedAttempt.end! });
    const long = {
      ...attemptStart,
      requestId: longRequestId,
      attempt: 1,
      startedAtMs: startedAtMs + 120_000,
    };
    await logStore.beginAttempt(long);
    await logStore.appendLines(
      { accountId: 'acct-1', requestId: longRequestId },
      Array.from({ length: 250 }, (_, i) => ({
        attempt: 1,
        seq: i + 1,
        stream: 'stdout' as const,
        timeMs: long.startedAtMs + i,
        text: `line ${i + 1}`,
      })),
    );
    await logStore.endAttempt({
      accountId: 'acct-1',
      requestId: longRequestId,
      attempt: 1,
      endedAtMs: long.startedAtMs + 300,
      statusCode: 500,
      message: 'boom',
      durationMs: 300,
      billedDurationMs: 300,
      memUsageBytes: 2097152,
    });
  }

  const deps = {
    config: { maxAsyncTimeoutSeconds: 86400 },
    logger: silentLogger,
    accounts: {
      authenticate(id: string, key: string) {
        if (id !== secret.id) throw new LonghaulError('AuthFailure.SecretIdNotFound', 'unknown SecretId');
        if (key !== secret.key) throw new LonghaulError('AuthFailure.SignatureFailure', 'wrong SecretKey');
        return 'acct-1';
      },
    },
    namespaces: {
      create: (_a: string, name: string, description: string) => ({ name, description, createdAt: now }),
      list: () => [{ name: 'default', description: '', createdAt: now }],
      delete: (_a: string, name: string) => {
        if (name === 'gone')
          throw new LonghaulError('ResourceNotFound.Namespace', 'Namespace gone does not exist');
      },
    },
    registry,
    limits,
    gateway,
    eventLogs,
    queries: {
      list: () => Promise.resolve({ totalCount: 7, events: [runningSummary, finishedSummary] }),
      overview: () =>
        Promise.resolve({ total: 7, counts: { RUNNING: 1, FINISHED: 4, FAILED: 1, ABORTED: 1 } }),
      // Each function's events, so a namespace export shows which functions it went through.
      async *export(filter: EventFilter) {
        await Promise.resolve();
        yield { ...finishedSummary, functionName: filter.functionName ?? '' };
        yield { ...runningSummary, functionName: filter.functionName ?? '' };
      },
    },
  } as unknown as ApiDeps;

  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    await storeLogs();
    const handle = createApp(deps).callback();
    server = http.createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await logStore.close();
    fs.rmSync(logDir, { recursive: true, force: true });
    closeLimits();
  });

  interface Case {
    route: string;
    url: string;
    status: number;
    body?: unknown;
    rawBody?: string;
    auth?: string | null;
    headers?: Record<string, string>;
    code?: string;
    /** For an NDJSON body: how many lines it has; for an event stream: how many `line` events. */
    lines?: number;
  }
  const fn = '/v1/namespaces/default/functions';
  const events = `${fn}/hello-world/events`;
  const listRoute = 'GET /v1/namespaces/{namespace}/functions/{functionName}/events';
  const overviewRoute = 'GET /v1/namespaces/{namespace}/functions/{functionName}/events/overview';
  const exportRoute = 'GET /v1/namespaces/{namespace}/functions/{functionName}/events/export';
  const namespaceExportRoute = 'GET /v1/namespaces/{namespace}/events/export';
  const pageRoute = 'GET /v1/events/{requestId}/logs';
  const followRoute = 'GET /v1/events/{requestId}/logs/follow';
  const searchRoute = 'GET /v1/namespaces/{namespace}/functions/{functionName}/logs';
  const logs = `/v1/events/${sampleRequestId}/logs`;
  const search = `${fn}/hello-world/logs`;
  const reserved = `${fn}/hello-world/reserved-concurrency`;
  const invokeConfig = `${fn}/hello-world/invoke-config`;
  const reservedRoute = (method: string) =>
    `${method} /v1/namespaces/{namespace}/functions/{functionName}/reserved-concurrency`;
  const configRoute = (method: string) =>
    `${method} /v1/namespaces/{namespace}/functions/{functionName}/invoke-config`;
  const quota = defaultAccountConcurrencyMb;
  const cases: Case[] = [
    { route: 'GET /v1/health', url: '/v1/health', status: 200, auth: null },
    { route: 'GET /v1/openapi.json', url: '/v1/openapi.json', status: 200, auth: null },
    {
      route: 'GET /v1/namespaces',
      url: '/v1/namespaces',
      status: 401,
      auth: null,
      code: 'AuthFailure.MissingCredentials',
    },
    {
      route: 'GET /v1/namespaces',
      url: '/v1/namespaces',
      status: 401,
      auth: `Basic ${Buffer.from(`${secret.id}:nope`).toString('base64')}`,
      code: 'AuthFailure.SignatureFailure',
    },
    { route: 'GET /v1/namespaces', url: '/v1/namespaces', status: 200 },
    {
      route: 'POST /v1/namespaces',
      url: '/v1/namespaces',
      status: 201,
      body: { name: 'team-a', description: 'A team' },
    },
    {
      route: 'POST /v1/namespaces',
      url: '/v1/namespaces',
      status: 400,
      body: { name: 'team-a', colour: 'red' },
      code: 'UnknownParameter',
    },
    {
      route: 'POST /v1/namespaces',
      url: '/v1/namespaces',
      status: 400,
      body: { name: '-bad' },
      code: 'InvalidParameterValue.Namespace',
    },
    {
      route: 'POST /v1/namespaces',
      url: '/v1/namespaces',
      status: 400,
      rawBody: '{nope',
      code: 'InvalidParameter',
    },
    {
      route: 'POST /v1/namespaces',
      url: '/v1/namespaces',
      status: 413,
      body: { name: 'big', description: 'x'.repeat(20000) },
      code: 'RequestTooLarge.Body',
    },
    { route: 'DELETE /v1/namespaces/{namespace}', url: '/v1/namespaces/team-a', status: 204 },
    {
      route: 'DELETE /v1/namespaces/{namespace}',
      url: '/v1/namespaces/gone',
      status: 404,
      code: 'ResourceNotFound.Namespace',
    },
    {
      route: 'POST /v1/namespaces/{namespace}/functions',
      url: fn,
      status: 201,
      body: { functionName: 'hello', code: { zipFile }, asyncRunEnable: true, timeout: 3600 },
    },
    {
      route: 'POST /v1/namespaces/{namespace}/functions',
      url: fn,
      status: 400,
      body: { functionName: 'hello' },
      code: 'MissingParameter',
    },
    {
      route: 'GET /v1/namespaces/{namespace}/functions',
      url: `${fn}?limit=5&order=asc&orderBy=FunctionName`,
      status: 200,
    },
    {
      route: 'GET /v1/namespaces/{namespace}/functions',
      url: `${fn}?limit=500`,
      status: 400,
      code: 'InvalidParameter',
    },
    {
      route: 'GET /v1/namespaces/{namespace}/functions/{functionName}',
      url: `${fn}/hello?qualifier=1`,
      status: 200,
    },
    {
      route: 'GET /v1/namespaces/{namespace}/functions/{functionName}',
      url: `${fn}/hello?qualifier=v1`,
      status: 400,
      code: 'InvalidParameterValue.Qualifier',
    },
    {
      route: 'GET /v1/namespaces/{namespace}/functions/{functionName}',
      url: `${fn}/missing`,
      status: 404,
      code: 'ResourceNotFound.Function',
    },
    {
      route: 'PUT /v1/namespaces/{namespace}/functions/{functionName}/code',
      url: `${fn}/hello/code`,
      status: 200,
      body: { code: { zipFile }, handler: 'app.run' },
    },
    {
      route: 'PATCH /v1/namespaces/{namespace}/functions/{functionName}/configuration',
      url: `${fn}/hello/configuration`,
      status: 200,
      body: { memorySize: 512, environment: { A: 'b' } },
    },
    {
      route: 'PATCH /v1/namespaces/{namespace}/functions/{functionName}/configuration',
      url: `${fn}/hello/configuration`,
      status: 400,
      body: { runtime: 'Nodejs20.15' },
      code: 'UnsupportedOperation.Runtime',
    },
    {
      route: 'DELETE /v1/namespaces/{namespace}/functions/{functionName}',
      url: `${fn}/hello?qualifier=1`,
      status: 204,
    },
    {
      route: 'POST /v1/namespaces/{namespace}/functions/{functionName}/versions',
      url: `${fn}/hello/versions`,
      status: 201,
      body: { description: 'first' },
    },
    {
      route: 'GET /v1/namespaces/{namespace}/functions/{functionName}/versions',
      url: `${fn}/hello/versions`,
      status: 200,
    },
    {
      route: 'POST /v1/namespaces/{namespace}/functions/{functionName}/invocations',
      url: `${fn}/hello/invocations?invokeType=TIMER`,
      status: 202,
      body: { any: ['json'] },
      headers: { 'Idempotency-Key': 'order-42' },
    },
    {
      route: 'POST /v1/namespaces/{namespace}/functions/{functionName}/invocations',
      url: `${fn}/sync-fn/invocations`,
      status: 200,
      rawBody: '"just a string"',
    },
    {
      route: 'POST /v1/namespaces/{namespace}/functions/{functionName}/invocations',
      url: `${fn}/1bad/invocations`,
      status: 400,
      code: 'InvalidParameterValue.FunctionName',
    },
    { route: 'GET /v1/events/{requestId}', url: `/v1/events/${sampleRequestId}`, status: 200 },
    {
      route: 'GET /v1/events/{requestId}',
      url: '/v1/events/NOT-A-UUID',
      status: 400,
      code: 'InvalidParameterValue.RequestId',
    },
    {
      route: 'GET /v1/events/{requestId}',
      url: `/v1/events/${untrackedRequestId}`,
      status: 400,
      code: 'UnsupportedOperation.StatusTracking',
    },
    {
      route: 'POST /v1/events/{requestId}/terminate',
      url: `/v1/events/${sampleRequestId}/terminate`,
      status: 200,
      body: { graceful: true, gracePeriodSeconds: 5 },
    },
    {
      route: 'POST /v1/events/{requestId}/terminate',
      url: `/v1/events/${sampleRequestId}/terminate`,
      status: 400,
      body: { gracePeriodSeconds: 99999 },
      code: 'InvalidParameterValue.GracePeriod',
    },
    { route: listRoute, url: events, status: 200 },
    {
      route: listRoute,
      url:
        `${events}?qualifier=1&invokeType=API,TIMER&invokeType=COS&status=RUNNING&status=FAILED,ABORTED` +
        `&startTimeFrom=2026-12-01T00:00:00Z&startTimeTo=2026-12-03T16:00%2B08:00&endTimeFrom=2026-12-01T00:00Z` +
        `&requestId=${sampleRequestId}&orderBy=EndTime&order=asc&offset=40&limit=100`,
      status: 200,
    },
    { route: listRoute, url: `${events}?limit=101`, status: 400, code: 'InvalidParameterValue.Limit' },
    { route: listRoute, url: `${events}?offset=-1`, status: 400, code: 'InvalidParameterValue.Offset' },
    { route: listRoute, url: `${events}?order=UP`, status: 400, code: 'InvalidParameterValue.Order' },
    {
      route: listRoute,
      url: `${events}?orderBy=AddTime`,
      status: 400,
      code: 'InvalidParameterValue.OrderBy',
    },
    {
      route: listRoute,
      url: `${events}?status=RUNNING,DONE`,
      status: 400,
      code: 'InvalidParameterValue.Status',
    },
    {
      route: listRoute,
      url: `${events}?invokeType=HTTP`,
      status: 400,
      code: 'InvalidParameterValue.InvokeType',
    },
    {
      route: listRoute,
      url: `${events}?startTimeFrom=yesterday`,
      status: 400,
      code: 'InvalidParameterValue.StartTimeInterval',
    },
    {
      route: listRoute,
      url: `${events}?endTimeFrom=2026-12-03T08:00Z&endTimeTo=2026-12-03T08:00Z`,
      status: 400,
      code: 'InvalidParameterValue.EndTimeInterval',
    },
    {
      route: listRoute,
      url: `${events}?requestId=abc`,
      status: 400,
      code: 'InvalidParameterValue.RequestId',
    },
    { route: listRoute, url: `${events}?qualifier=v1`, status: 400, code: 'InvalidParameterValue.Qualifier' },
    {
      route: listRoute,
      url: `${fn}/untracked/events`,
      status: 400,
      code: 'UnsupportedOperation.StatusTracking',
    },
    { route: listRoute, url: `${fn}/missing/events`, status: 404, code: 'ResourceNotFound.Function' },
    { route: listRoute, url: `${events}?qualifier=99`, status: 404, code: 'ResourceNotFound.Version' },
    { route: listRoute, url: events, status: 401, auth: null, code: 'AuthFailure.MissingCredentials' },
    { route: overviewRoute, url: `${events}/overview`, status: 200 },
    {
      route: overviewRoute,
      url: `${events}/overview?qualifier=$LATEST&startTimeFrom=2026-12-01T00:00:00.000Z&startTimeTo=2026-12-02T00:00Z`,
      status: 200,
    },
    {
      route: overviewRoute,
      url: `${events}/overview?startTimeFrom=2026-12-02T00:00Z&startTimeTo=2026-12-01T00:00Z`,
      status: 400,
      code: 'InvalidParameterValue.StartTimeInterval',
    },
    {
      route: overviewRoute,
      url: `${fn}/untracked/events/overview`,
      status: 400,
      code: 'UnsupportedOperation.StatusTracking',
    },
    {
      route: overviewRoute,
      url: `${events}/overview?qualifier=99`,
      status: 404,
      code: 'ResourceNotFound.Version',
    },
    { route: exportRoute, url: `${events}/export`, status: 200, lines: 2 },
    {
      route: exportRoute,
      url: `${events}/export?qualifier=1&startTimeFrom=2026-12-01T00:00Z&startTimeTo=2026-12-03T16:00%2B08:00`,
      status: 200,
      lines: 2,
    },
    {
      route: exportRoute,
      url: `${events}/export?startTimeTo=2026-12-03`,
      status: 400,
      code: 'InvalidParameterValue.StartTimeInterval',
    },
    {
      route: exportRoute,
      url: `${fn}/untracked/events/export`,
      status: 400,
      code: 'UnsupportedOperation.StatusTracking',
    },
    {
      route: exportRoute,
      url: `${fn}/missing/events/export`,
      status: 404,
      code: 'ResourceNotFound.Function',
    },
    {
      route: namespaceExportRoute,
      url: '/v1/namespaces/default/events/export?startTimeFrom=2026-12-01T00:00Z',
      status: 200,
      lines: 4,
    },
    {
      route: namespaceExportRoute,
      url: '/v1/namespaces/default/events/export?startTimeFrom=2026-12-01',
      status: 400,
      code: 'InvalidParameterValue.StartTimeInterval',
    },
    {
      route: namespaceExportRoute,
      url: '/v1/namespaces/-bad/events/export',
      status: 400,
      code: 'InvalidParameterValue.Namespace',
    },
    {
      route: namespaceExportRoute,
      url: '/v1/namespaces/gone/events/export',
      status: 404,
      code: 'ResourceNotFound.Namespace',
    },
    { route: pageRoute, url: logs, status: 200 },
    { route: pageRoute, url: `${logs}?after=1-1&limit=2`, status: 200 },
    { route: pageRoute, url: `${logs}?after=&limit=10000`, status: 200 },
    { route: pageRoute, url: `${logs}?after=9-1`, status: 200 },
    { route: pageRoute, url: `/v1/events/${longRequestId}/logs?limit=1`, status: 200 },
    { route: pageRoute, url: `${logs}?after=1.2`, status: 400, code: 'InvalidParameterValue.Cursor' },
    { route: pageRoute, url: `${logs}?limit=0`, status: 400, code: 'InvalidParameterValue.Limit' },
    { route: pageRoute, url: `${logs}?limit=10001`, status: 400, code: 'InvalidParameterValue.Limit' },
    {
      route: pageRoute,
      url: '/v1/events/NOT-A-UUID/logs',
      status: 400,
      code: 'InvalidParameterValue.RequestId',
    },
    {
      route: pageRoute,
      url: `/v1/events/${noLogsRequestId}/logs`,
      status: 400,
      code: 'UnsupportedOperation.LogDestination',
    },
    {
      route: pageRoute,
      url: `/v1/events/${unknownRequestId}/logs`,
      status: 404,
      code: 'ResourceNotFound.AsyncEvent',
    },
    { route: pageRoute, url: logs, status: 401, auth: null, code: 'AuthFailure.MissingCredentials' },
    { route: followRoute, url: `${logs}/follow`, status: 200, lines: sampleLines.length },
    {
      route: followRoute,
      url: `${logs}/follow?after=1-1`,
      status: 200,
      headers: { 'Last-Event-ID': '2-3' },
      lines: 2,
    },
    { route: followRoute, url: `${logs}/follow?after=2-5`, status: 200, lines: 0 },
    { route: followRoute, url: `/v1/events/${longRequestId}/logs/follow`, status: 200, lines: 250 },
    {
      route: followRoute,
      url: `${logs}/follow`,
      status: 400,
      headers: { 'Last-Event-ID': 'line-7' },
      code: 'InvalidParameterValue.Cursor',
    },
    { route: followRoute, url: `${logs}/follow?after=7`, status: 400, code: 'InvalidParameterValue.Cursor' },
    {
      route: followRoute,
      url: '/v1/events/NOT-A-UUID/logs/follow',
      status: 400,
      code: 'InvalidParameterValue.RequestId',
    },
    {
      route: followRoute,
      url: `/v1/events/${noLogsRequestId}/logs/follow`,
      status: 400,
      code: 'UnsupportedOperation.LogDestination',
    },
    {
      route: followRoute,
      url: `/v1/events/${unknownRequestId}/logs/follow`,
      status: 404,
      code: 'ResourceNotFound.AsyncEvent',
    },
    {
      route: followRoute,
      url: `${logs}/follow`,
      status: 401,
      auth: null,
      code: 'AuthFailure.MissingCredentials',
    },
    { route: searchRoute, url: search, status: 200 },
    {
      route: searchRoute,
      url:
        `${search}?requestId=${sampleRequestId}&qualifier=$LATEST&startTimeFrom=2026-12-03T08:00Z` +
        `&startTimeTo=2026-12-03T16:10%2B08:00&text=hello&outcome=success&order=asc&offset=0&limit=100`,
      status: 200,
    },
    { route: searchRoute, url: `${search}?outcome=failure&limit=1`, status: 200 },
    { route: searchRoute, url: `${search}?qualifier=1&offset=9900&limit=100`, status: 200 },
    { route: searchRoute, url: `${search}?outcome=ok`, status: 400, code: 'InvalidParameterValue.Outcome' },
    { route: searchRoute, url: `${search}?text=`, status: 400, code: 'InvalidParameterValue.SearchText' },
    {
      route: searchRoute,
      url: `${search}?text=${'x'.repeat(257)}`,
      status: 400,
      code: 'InvalidParameterValue.SearchText',
    },
    { route: searchRoute, url: `${search}?order=UP`, status: 400, code: 'InvalidParameterValue.Order' },
    { route: searchRoute, url: `${search}?offset=10000`, status: 400, code: 'InvalidParameterValue.Offset' },
    {
      route: searchRoute,
      url: `${search}?offset=9999&limit=2`,
      status: 400,
      code: 'InvalidParameterValue.Offset',
    },
    { route: searchRoute, url: `${search}?limit=101`, status: 400, code: 'InvalidParameterValue.Limit' },
    {
      route: searchRoute,
      url: `${search}?startTimeFrom=2026-12-03T08:00Z&startTimeTo=2026-12-03T08:00Z`,
      status: 400,
      code: 'InvalidParameterValue.StartTimeInterval',
    },
    {
      route: searchRoute,
      url: `${search}?requestId=abc`,
      status: 400,
      code: 'InvalidParameterValue.RequestId',
    },
    {
      route: searchRoute,
      url: `${search}?qualifier=v1`,
      status: 400,
      code: 'InvalidParameterValue.Qualifier',
    },
    {
      route: searchRoute,
      url: '/v1/namespaces/-bad/functions/hello-world/logs',
      status: 400,
      code: 'InvalidParameterValue.Namespace',
    },
    { route: searchRoute, url: `${fn}/1bad/logs`, status: 400, code: 'InvalidParameterValue.FunctionName' },
    { route: searchRoute, url: `${fn}/missing/logs`, status: 404, code: 'ResourceNotFound.Function' },
    { route: searchRoute, url: `${search}?qualifier=99`, status: 404, code: 'ResourceNotFound.Version' },
    { route: searchRoute, url: search, status: 401, auth: null, code: 'AuthFailure.MissingCredentials' },
    { route: reservedRoute('GET'), url: reserved, status: 200 },
    { route: reservedRoute('PUT'), url: reserved, status: 200, body: { reservedConcurrencyMemMb: 512 } },
    { route: reservedRoute('GET'), url: reserved, status: 200 },
    { route: reservedRoute('PUT'), url: reserved, status: 200, body: { reservedConcurrencyMemMb: 0 } },
    { route: reservedRoute('DELETE'), url: reserved, status: 204 },
    { route: reservedRoute('DELETE'), url: reserved, status: 204 },
    ...(['GET', 'PUT', 'DELETE'] as const).flatMap((method) => [
      {
        route: reservedRoute(method),
        url: '/v1/namespaces/-bad/functions/hello-world/reserved-concurrency',
        status: 400,
        body: method === 'PUT' ? { reservedConcurrencyMemMb: 1 } : undefined,
        code: 'InvalidParameterValue.Namespace',
      },
      {
        route: reservedRoute(method),
        url: `${fn}/1bad/reserved-concurrency`,
        status: 400,
        body: method === 'PUT' ? { reservedConcurrencyMemMb: 1 } : undefined,
        code: 'InvalidParameterValue.FunctionName',
      },
      {
        route: reservedRoute(method),
        url: `${fn}/missing/reserved-concurrency`,
        status: 404,
        body: method === 'PUT' ? { reservedConcurrencyMemMb: 1 } : undefined,
        code: 'ResourceNotFound.Function',
      },
      {
        route: reservedRoute(method),
        url: reserved,
        status: 401,
        auth: null,
        code: 'AuthFailure.MissingCredentials',
      },
    ]),
    {
      route: reservedRoute('PUT'),
      url: reserved,
      status: 400,
      body: { reservedConcurrencyMemMb: -128 },
      code: 'InvalidParameterValue.ReservedConcurrencyMem',
    },
    {
      route: reservedRoute('PUT'),
      url: reserved,
      status: 400,
      body: { reservedConcurrencyMemMb: quota + 1 },
      code: 'LimitExceeded.ReservedConcurrencyMem',
    },
    { route: reservedRoute('PUT'), url: reserved, status: 400, body: {}, code: 'MissingParameter' },
    {
      route: reservedRoute('PUT'),
      url: reserved,
      status: 400,
      body: { reservedConcurrencyMemMb: 1, mem: 1 },
      code: 'UnknownParameter',
    },
    { route: reservedRoute('PUT'), url: reserved, status: 400, rawBody: '{nope', code: 'InvalidParameter' },
    {
      route: reservedRoute('PUT'),
      url: reserved,
      status: 413,
      body: { reservedConcurrencyMemMb: 1, padding: 'x'.repeat(20000) },
      code: 'RequestTooLarge.Body',
    },
    { route: configRoute('GET'), url: invokeConfig, status: 200 },
    { route: configRoute('PUT'), url: invokeConfig, status: 200, body: { retryNum: 1 } },
    { route: configRoute('PUT'), url: invokeConfig, status: 200, body: { retryNum: 2, msgTtlSeconds: 60 } },
    { route: configRoute('PUT'), url: invokeConfig, status: 200 },
    ...(['GET', 'PUT'] as const).flatMap((method) => [
      {
        route: configRoute(method),
        url: '/v1/namespaces/-bad/functions/hello-world/invoke-config',
        status: 400,
        code: 'InvalidParameterValue.Namespace',
      },
      {
        route: configRoute(method),
        url: `${fn}/1bad/invoke-config`,
        status: 400,
        code: 'InvalidParameterValue.FunctionName',
      },
      {
        route: configRoute(method),
        url: `${fn}/missing/invoke-config`,
        status: 404,
        code: 'ResourceNotFound.Function',
      },
      {
        route: configRoute(method),
        url: invokeConfig,
        status: 401,
        auth: null,
        code: 'AuthFailure.MissingCredentials',
      },
    ]),
    ...[
      [{ retryNum: -1 }, 'InvalidParameterValue.RetryNum'],
      [{ retryNum: 3 }, 'LimitExceeded.RetryNum'],
      [{ msgTtlSeconds: '60' }, 'InvalidParameterValue.MsgTTL'],
      [{ msgTtlSeconds: 21601 }, 'LimitExceeded.MsgTTL'],
      [{ retries: 1 }, 'UnknownParameter'],
    ].map(([body, code]) => ({
      route: configRoute('PUT'),
      url: invokeConfig,
      status: 400,
      body,
      code: code as string,
    })),
    { route: configRoute('PUT'), url: invokeConfig, status: 400, rawBody: '[1]', code: 'InvalidParameter' },
    {
      route: configRoute('PUT'),
      url: invokeConfig,
      status: 413,
      body: { retryNum: 1, padding: 'x'.repeat(20000) },
      code: 'RequestTooLarge.Body',
    },
  ];

  /** The events of a Server-Sent Events body, each as its fields, with its data parsed from JSON. */
  function parseEventStream(text: string): Record<string, unknown>[] {
    const events: Record<string, unknown>[] = [];
    for (const block of text.split('\n\n')) {
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue; // a comment (keep-alive)
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        fields[name] = name === 'data' && fields.data !== undefined ? `${fields.data}\n${value}` : value;
      }
      if (Object.keys(fields).length === 0) continue;
      events.push({
        ...fields,
        ...(fields.data === undefined ? {} : { data: JSON.parse(fields.data) as unknown }),
      });
    }
    return events;
  }

  async function call(c: {
    route: string;
    url: string;
    body?: unknown;
    rawBody?: string;
    auth?: string | null;
    headers?: Record<string, string>;
  }) {
    const method = c.route.split(' ')[0]!;
    const headers: Record<string, string> = { ...(c.headers ?? {}) };
    if (c.auth !== null) headers.authorization = c.auth ?? basic;
    let body: string | undefined = c.rawBody;
    if (c.body !== undefined) {
      body = JSON.stringify(c.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${base}${c.url}`, { method, headers, body });
    const text = await response.text();
    const isJson = /^application\/json/.test(response.headers.get('content-type') ?? '');
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: text === '' || !isJson ? undefined : (JSON.parse(text) as unknown),
    };
  }

  test.each(cases.map((c) => [`${c.route} → ${c.status}${c.code ? ` ${c.code}` : ''}`, c] as const))(
    '%s',
    async (_name, c) => {
      const o = operation(c.route);
      const documented = o.op.responses[String(c.status)];
      expect({ status: c.status, documented: documented !== undefined }).toEqual({
        status: c.status,
        documented: true,
      });
      const response = await call(c);
      expect({ status: response.status, body: response.json }).toMatchObject({ status: c.status });
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const content = deref(documented!).content;
      if (content === undefined) {
        expect(response.text).toBe('');
        return;
      }
      const mediaTypes = Object.keys(content);
      expect(mediaTypes).toHaveLength(1);
      const mediaType = mediaTypes[0]!;
      expect(response.headers.get('content-type')?.split(';')[0]).toBe(mediaType);
      const schema = validatorAt(
        `${o.pointer}/responses/${c.status}/content/${encodePointer(mediaType)}/schema`,
      );
      if (mediaType === 'application/x-ndjson') {
        // One record a line, each line ending with a newline; the schema describes one line.
        expect(response.text === '' || response.text.endsWith('\n')).toBe(true);
        const lines = response.text.split('\n').slice(0, -1);
        expect(lines).toHaveLength(c.lines ?? 0);
        for (const line of lines) expectValid(schema, JSON.parse(line));
      } else if (mediaType === 'text/event-stream') {
        // The body is text; each event, parsed, matches the media type's x-event-schema, and `end` comes last.
        expectValid(schema, response.text);
        const eventSchema = validatorAt(
          `${o.pointer}/responses/${c.status}/content/${encodePointer(mediaType)}/x-event-schema`,
        );
        const streamed = parseEventStream(response.text);
        for (const event of streamed) expectValid(eventSchema, event);
        expect(streamed.filter((e) => e.event === 'line')).toHaveLength(c.lines ?? 0);
        expect(streamed.map((e) => e.event).indexOf('end')).toBe(streamed.length - 1);
      } else {
        expectValid(schema, response.json);
      }
      if (c.code !== undefined) {
        expect((response.json as { error: { code: string } }).error.code).toBe(c.code);
        expect(deref(documented!)['x-error-codes']).toContain(c.code);
      }
      if (c.status === 202) expect(response.headers.get('location')).toBe(`/v1/events/${sampleRequestId}`);
    },
  );

  test('the cases reach every route with a success', () => {
    const reached = new Set(cases.filter((c) => c.status < 300).map((c) => c.route));
    expect(routeList().filter((r) => !reached.has(r))).toEqual([]);
  });

  test('a namespace export streams the events of each function with status tracking on, one after another', async () => {
    const response = await call({ route: namespaceExportRoute, url: '/v1/namespaces/default/events/export' });
    expect(response.status).toBe(200);
    const functions = response.text
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { functionName: string }).functionName);
    expect(functions).toEqual(['hello-world', 'hello-world', 'second-fn', 'second-fn']);
  });

  test('the log routes answer from the log store: pages, a resumed follow and a search', async () => {
    const page = await call({ route: pageRoute, url: `${logs}?after=1-1&limit=2` });
    expect(page.json).toMatchObject({ status: 'FINISHED', nextCursor: '2-1', hasMore: true });
    expect((page.json as { lines: { id: string }[] }).lines.map((l) => l.id)).toEqual(['1-2', '2-1']);
    const later = await call({ route: pageRoute, url: `${logs}?after=9-1` });
    expect(later.json).toMatchObject({ lines: [], nextCursor: '9-1', hasMore: false });

    // Last-Event-ID wins over after; the stream ends with the event as GET /v1/events/{requestId} shows it.
    const resumed = await call({
      route: followRoute,
      url: `${logs}/follow?after=1-1`,
      headers: { 'Last-Event-ID': '2-3' },
    });
    expect(resumed.headers.get('cache-control')).toBe('no-cache, no-transform');
    const streamed = parseEventStream(resumed.text);
    expect(streamed.map((e) => [e.event, e.id])).toEqual([
      ['line', '2-4'],
      ['line', '2-5'],
      ['end', undefined],
    ]);
    expect(streamed[2]!.data).toEqual(
      JSON.parse(JSON.stringify({ ...finishedEvent, requestId: sampleRequestId })),
    );

    const all = (await call({ route: searchRoute, url: search })).json as {
      totalCount: number;
      invocations: { requestId: string; attempt: number }[];
    };
    expect(all.totalCount).toBe(3);
    expect(all.invocations.map((i) => [i.requestId, i.attempt])).toEqual([
      [longRequestId, 1],
      [sampleRequestId, 2],
      [sampleRequestId, 1],
    ]);
    const failed = (await call({ route: searchRoute, url: `${search}?outcome=failure&limit=1` })).json;
    expect(failed).toMatchObject({
      totalCount: 1,
      invocations: [{ requestId: longRequestId, statusCode: 500, lineCount: 250, logTruncated: true }],
    });
    expect((failed as { invocations: { log: string }[] }).invocations[0]!.log.split('\n')).toHaveLength(201);
    const found = await call({
      route: searchRoute,
      url: `${search}?text=hello&outcome=success&startTimeFrom=2026-12-03T08:00Z&startTimeTo=2026-12-03T08:10Z`,
    });
    expect(found.json).toMatchObject({
      totalCount: 1,
      invocations: [{ requestId: sampleRequestId, attempt: 2, finished: true, logTruncated: false }],
    });
  });

  test('/v1/openapi.json serves this document', async () => {
    const response = await call({ route: 'GET /v1/openapi.json', url: '/v1/openapi.json', auth: null });
    expect(response.json).toEqual(doc);
  });

  test('an unknown route is ResourceNotFound.Route in the Error shape', async () => {
    const response = await call({ route: 'GET /v1/nope', url: '/v1/nope' });
    expect(response.status).toBe(404);
    expectValid(component('Error'), response.json);
    expect((response.json as { error: { code: string } }).error.code).toBe('ResourceNotFound.Route');
  });

  test('TerminateRequest accepts exactly what the terminate route accepts', async () => {
    const bodies = [
      {},
      { graceful: true },
      { graceful: false, gracePeriodSeconds: 0 },
      { gracePeriodSeconds: 3600 },
      { gracePeriodSeconds: 3601 },
      { gracePeriodSeconds: -1 },
      { gracePeriodSeconds: 1.5 },
      { gracePeriodSeconds: '5' },
      { graceful: 'yes' },
      { force: true },
    ];
    const disagreements = [];
    for (const body of bodies) {
      const response = await call({
        route: 'POST /v1/events/{requestId}/terminate',
        url: `/v1/events/${sampleRequestId}/terminate`,
        body,
      });
      const schema = isValid(component('TerminateRequest'), body);
      if (schema !== (response.status === 200)) disagreements.push({ body, schema, status: response.status });
    }
    expect(disagreements).toEqual([]);
  });

  test("the page route's limit accepts exactly what its schema accepts", async () => {
    const o = operation(pageRoute);
    const index = (o.op.parameters ?? []).findIndex((p) => deref(p).name === 'limit');
    const schema = validatorAt(`${o.pointer}/parameters/${index}/schema`);
    const disagreements = [];
    for (const limit of [1, 1000, 10000, 0, 10001, -1, 1.5, '1e3', 'x']) {
      const response = await call({ route: pageRoute, url: `${logs}?limit=${limit}` });
      const valid = isValid(schema, limit);
      if (valid !== (response.status === 200))
        disagreements.push({ limit, schema: valid, status: response.status });
    }
    expect(disagreements).toEqual([]);
  });
});
