import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as tencentcloud from 'tencentcloud-sdk-nodejs-scf';
import type { TestStack } from './stack';

export const ScfClient = tencentcloud.scf.v20180416.Client;
export type ScfClient = InstanceType<typeof ScfClient>;

export interface Key {
  secretId: string;
  secretKey: string;
}

/** The first account's key, as the stack wrote it to <dataDir>/credentials.json. */
export function firstKey(stack: TestStack): Key {
  const file = JSON.parse(fs.readFileSync(path.join(stack.dataDir, 'credentials.json'), 'utf8')) as Key;
  return { secretId: file.secretId, secretKey: file.secretKey };
}

/** host:port of the running API. */
export function endpointOf(stack: TestStack): string {
  return new URL(stack.api.url).host;
}

/** The official SDK's client aimed at the stack's API. */
export function scfClient(stack: TestStack, key: Key = firstKey(stack)): ScfClient {
  return new ScfClient({
    credential: key,
    region: 'ap-guangzhou',
    profile: { httpProfile: { endpoint: endpointOf(stack), protocol: 'http://' } },
  });
}

/** A new account with a key and its default namespace. */
export function secondAccount(stack: TestStack): Key {
  const accountId = stack.stores.accounts.createAccount(`second-${Date.now()}`);
  const key = stack.stores.accounts.addKey(accountId);
  stack.stores.namespaces.ensureDefault(accountId);
  return key;
}

/** The error code an SDK call rejects with. */
export async function errorCode(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    return (err as { code?: string }).code ?? `no code: ${String(err)}`;
  }
  throw new Error('the call succeeded');
}

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

export interface RawRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * Signs a request by hand (TC3-HMAC-SHA256 as Tencent documents it), independently of the SDK and the
 * server's verifier, so a test can choose the timestamp or resend the exact same bytes.
 */
export function signRequest(
  stack: TestStack,
  key: Key,
  action: string,
  params: unknown,
  options: { timestamp?: number; version?: string; rawBody?: string; service?: string } = {},
): RawRequest {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const body = options.rawBody ?? JSON.stringify(params);
  const host = endpointOf(stack);
  const service = options.service ?? 'scf';
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  const canonicalHeaders = `content-type:application/json\nhost:${host}\n`;
  const canonicalRequest = `POST\n/\n\n${canonicalHeaders}\ncontent-type;host\n${sha256(body)}`;
  const scope = `${date}/${service}/tc3_request`;
  const stringToSign = `TC3-HMAC-SHA256\n${timestamp}\n${scope}\n${sha256(canonicalRequest)}`;
  const signingKey = hmac(hmac(hmac(`TC3${key.secretKey}`, date), service), 'tc3_request');
  const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  return {
    url: `${stack.api.url}/`,
    body,
    headers: {
      'content-type': 'application/json',
      'x-tc-action': action,
      'x-tc-version': options.version ?? '2018-04-16',
      'x-tc-timestamp': String(timestamp),
      'x-tc-region': 'ap-guangzhou',
      authorization: `TC3-HMAC-SHA256 Credential=${key.secretId}/${scope}, SignedHeaders=content-type;host, Signature=${signature}`,
    },
  };
}

/** Sends a raw request and returns the HTTP status and the parsed `Response`. */
export async function send(request: RawRequest): Promise<{ status: number; response: Record<string, any> }> {
  const res = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body });
  const json = (await res.json()) as { Response: Record<string, any> };
  return { status: res.status, response: json.Response };
}

/**
 * Waits until the clock enters the next second. TC3 has no nonce: the same mutating request re-sent within
 * one second has the same signature and is refused as a replay, so a deliberate retry waits this long.
 */
export async function nextSecond(): Promise<void> {
  const now = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 1000 - (now % 1000) + 5));
}
