/**
 * Requests and assertions for the function registry's REST routes, shared by the registry tests
 * (functions-crud, function-updates, function-versions, namespaces, function-validation).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import type { ApiClient, ApiResponse } from './api-client';
import { uniqueName, zipFixture, zipToBase64 } from './fixtures';
import { type TestStack, startTestStack } from './stack';

/** What a registry test file works with: its own stack, the toolbox package (base64) and the account's id. */
export interface RegistryStack {
  stack: TestStack;
  toolbox: string;
  accountId: string;
}

/** For a test file's beforeAll: starts the real stack (its own dev server) and zips the toolbox package. */
export async function startRegistryStack(): Promise<RegistryStack> {
  const stack = await startTestStack();
  const toolbox = await zipFixture('toolbox');
  const accountId = JSON.parse(
    fs.readFileSync(path.join(stack.dataDir, 'credentials.json'), 'utf8'),
  ).accountId;
  return { stack, toolbox, accountId };
}

export const functionsPath = (namespace = 'default') => `/v1/namespaces/${namespace}/functions`;
export const functionPath = (name: string, namespace = 'default') => `${functionsPath(namespace)}/${name}`;

export const sha256 = (base64: string) =>
  createHash('sha256').update(Buffer.from(base64, 'base64')).digest('hex');

/** What the requests need: the stack's client and the toolbox package (base64), both made in beforeAll. */
export interface FunctionRequestContext {
  client: ApiClient;
  toolbox: string;
}

/**
 * The function routes for one test file. `context` is called on every request, so the helpers can be taken
 * at the top of the file while the stack and the toolbox zip they use only exist once beforeAll has run.
 */
export function functionRequests(context: () => FunctionRequestContext) {
  const client = () => context().client;

  /** Creates a function from the toolbox package; `body` overrides or adds fields. */
  function create(body: Record<string, unknown>, namespace = 'default'): Promise<ApiResponse> {
    return client().post(functionsPath(namespace), { code: { zipFile: context().toolbox }, ...body });
  }

  async function createOk(body: Record<string, unknown> = {}, namespace = 'default'): Promise<any> {
    const response = await create({ functionName: uniqueName('fn'), ...body }, namespace);
    expect(response.status).toBe(201);
    return response.body;
  }

  const get = (name: string, query = '', namespace = 'default') =>
    client().get(functionPath(name, namespace) + query);
  const patch = (name: string, body: unknown) =>
    client().request('PATCH', `${functionPath(name)}/configuration`, body);
  const putCode = (name: string, body: unknown) =>
    client().request('PUT', `${functionPath(name)}/code`, body);
  const publish = (name: string, body?: unknown) => client().post(`${functionPath(name)}/versions`, body);
  const remove = (name: string, query = '') => client().request('DELETE', functionPath(name) + query);

  return { create, createOk, get, patch, putCode, publish, remove };
}

export function expectError(response: ApiResponse, status: number, code: string): void {
  expect({ status: response.status, code: response.body?.error?.code }).toEqual({ status, code });
  expect(typeof response.body.error.message).toBe('string');
  expect(response.body.requestId).toBe(response.headers.get('x-request-id'));
}

export interface ZipEntry {
  name: string;
  content: string;
  mode?: number;
}

/** A zip built with yazl, returned as base64. */
export function zipOf(entries: ZipEntry[]): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const entry of entries) {
    zip.addBuffer(
      Buffer.from(entry.content),
      entry.name,
      entry.mode === undefined ? {} : { mode: entry.mode },
    );
  }
  return zipToBase64(zip);
}

/**
 * A zip holding an entry whose name yazl would refuse ("../x", "/x"): it is written under a harmless name of
 * the same length, then that name is overwritten in place in the local header and the central directory.
 * Names are not covered by the CRC, so the result is a well-formed zip with exactly the hostile name.
 */
export async function zipWithHostileName(
  hostile: string,
  content = 'exports.main = () => "escaped";',
): Promise<string> {
  const placeholder = 'z'.repeat(hostile.length);
  const bytes = Buffer.from(
    await zipOf([
      { name: 'index.js', content: 'exports.main = () => 1;' },
      { name: placeholder, content },
    ]),
    'base64',
  );
  const from = Buffer.from(placeholder);
  let replaced = 0;
  for (let at = bytes.indexOf(from); at !== -1; at = bytes.indexOf(from, at + from.length)) {
    Buffer.from(hostile).copy(bytes, at);
    replaced += 1;
  }
  expect(replaced).toBe(2); // local file header and central directory entry
  return bytes.toString('base64');
}
