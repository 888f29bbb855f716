import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { LonghaulError } from '../errors';
import type { AccountStore } from '../registry/accounts';

/** How far X-TC-Timestamp may be from the server's clock, either way (Tencent's rule). */
export const maxClockSkewSeconds = 5 * 60;

export interface SignedRequest {
  method: string;
  /** Request headers as Node gives them: names lower-cased. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

interface ParsedAuthorization {
  secretId: string;
  date: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const authorizationPattern =
  /^TC3-HMAC-SHA256\s+Credential=([^/\s,]+)\/(\d{4}-\d{2}-\d{2})\/([^/\s,]+)\/tc3_request\s*,\s*SignedHeaders=([a-z0-9;._-]+)\s*,\s*Signature=([0-9a-f]{64})$/i;

function header(headers: SignedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function parseAuthorization(value: string | undefined): ParsedAuthorization {
  if (!value) {
    throw new LonghaulError(
      'AuthFailure.MissingCredentials',
      'Sign the request with TC3-HMAC-SHA256 in the Authorization header',
    );
  }
  const m = authorizationPattern.exec(value.trim());
  if (!m) {
    throw new LonghaulError(
      'AuthFailure.SignatureFailure',
      'The Authorization header is not TC3-HMAC-SHA256 Credential=<SecretId>/<date>/<service>/tc3_request, SignedHeaders=..., Signature=...',
    );
  }
  const signedHeaders = m[4]!.split(';');
  if (!signedHeaders.includes('content-type') || !signedHeaders.includes('host')) {
    throw new LonghaulError(
      'AuthFailure.SignatureFailure',
      'SignedHeaders must include content-type and host',
    );
  }
  return { secretId: m[1]!, date: m[2]!, service: m[3]!, signedHeaders, signature: m[5]!.toLowerCase() };
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

function utcDate(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

/**
 * The canonical header blocks a genuine client may have signed. The official Node SDK signs `host` without
 * the port it sends; Tencent's documentation lower-cases header values, the SDKs send them as they are. Each
 * variant is tried; all are equally strong, since each needs the secret key.
 */
function canonicalHeaderVariants(request: SignedRequest, signedHeaders: string[]): string[] {
  const variants = new Set<string>();
  const host = header(request.headers, 'host') ?? '';
  const hostWithoutPort = host.replace(/:\d+$/, '');
  for (const hostValue of new Set([host, hostWithoutPort])) {
    for (const lower of [false, true]) {
      const lines = signedHeaders.map((name) => {
        const raw = name === 'host' ? hostValue : (header(request.headers, name) ?? '');
        const value = raw.trim();
        return `${name}:${lower ? value.toLowerCase() : value}\n`;
      });
      variants.add(lines.join(''));
    }
  }
  return [...variants];
}

/** The TC3 signature of a request, given one canonical header block. */
export function tc3Signature(input: {
  method: string;
  canonicalHeaders: string;
  signedHeaders: string;
  payload: Buffer | string;
  timestamp: number;
  service: string;
  secretKey: string;
}): string {
  const date = utcDate(input.timestamp);
  const canonicalRequest = [
    input.method,
    '/',
    '',
    input.canonicalHeaders,
    input.signedHeaders,
    sha256Hex(input.payload),
  ].join('\n');
  const scope = `${date}/${input.service}/tc3_request`;
  const stringToSign = ['TC3-HMAC-SHA256', String(input.timestamp), scope, sha256Hex(canonicalRequest)].join(
    '\n',
  );
  const kDate = hmac(`TC3${input.secretKey}`, date);
  const kService = hmac(kDate, input.service);
  const kSigning = hmac(kService, 'tc3_request');
  return createHmac('sha256', kSigning).update(stringToSign).digest('hex');
}

/**
 * Remembers carried-out requests (action and signature) for as long as their timestamp stays acceptable, so
 * the same signed request cannot be carried out twice. A request that failed is forgotten again, so a client
 * may retry it as it is (it changed nothing). The memory is per process: behind several API processes
 * a replay that lands on another process is not caught (that would need a shared store).
 * Two limits of TC3 itself: it carries no nonce, so two byte-identical requests signed in the same second
 * are indistinguishable from a replay (the endpoint guards only actions that change something, and the
 * client must re-sign a second later); and the official SDKs sign only content-type and host, not
 * X-TC-Action, so the key includes the action and a captured request resent under another action of the
 * same body is not recognised here (a client that signs x-tc-action is protected against that).
 */
export class ReplayGuard {
  /** Signature → when it may be forgotten (ms). Insertion order is arrival order, so expiry is too. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records a request; false when it was seen already. */
  remember(action: string, signature: string): boolean {
    const key = `${action} ${signature}`;
    const now = this.now();
    for (const [key, expires] of this.seen) {
      if (expires > now) break;
      this.seen.delete(key);
    }
    if (this.seen.has(key)) return false;
    // A timestamp accepted now stays acceptable for at most twice the skew from now.
    this.seen.set(key, now + 2 * maxClockSkewSeconds * 1000);
    return true;
  }

  /** Forgets a request that failed, so that sending it again is a retry, not a replay. */
  forget(action: string, signature: string): void {
    this.seen.delete(`${action} ${signature}`);
  }
}

export interface VerifiedCaller {
  accountId: string;
  secretId: string;
  signature: string;
}

/**
 * Verifies a TC3-HMAC-SHA256 signed request and returns the account it speaks for. The service name is
 * taken from the credential scope, as signed (the Node SDK derives it from the endpoint's first label).
 */
export function verifyTc3(
  accounts: AccountStore,
  request: SignedRequest,
  nowMs = Date.now(),
): VerifiedCaller {
  const auth = parseAuthorization(header(request.headers, 'authorization'));
  const rawTimestamp = header(request.headers, 'x-tc-timestamp');
  if (rawTimestamp === undefined || !/^\d{1,12}$/.test(rawTimestamp.trim())) {
    throw new LonghaulError('MissingParameter', 'X-TC-Timestamp must be the signing time in unix seconds');
  }
  const timestamp = Number(rawTimestamp.trim());
  if (Math.abs(nowMs / 1000 - timestamp) > maxClockSkewSeconds) {
    throw new LonghaulError(
      'AuthFailure.SignatureExpire',
      `X-TC-Timestamp ${timestamp} is more than ${maxClockSkewSeconds} s from the server time ${Math.floor(nowMs / 1000)}`,
    );
  }
  if (auth.date !== utcDate(timestamp)) {
    throw new LonghaulError(
      'AuthFailure.SignatureFailure',
      `The credential date ${auth.date} is not the UTC date of X-TC-Timestamp`,
    );
  }
  const key = accounts.lookup(auth.secretId);
  if (!key)
    throw new LonghaulError('AuthFailure.SecretIdNotFound', 'The SecretId is unknown or has been revoked');
  const expected = Buffer.from(auth.signature, 'hex');
  const matches = canonicalHeaderVariants(request, auth.signedHeaders).some((canonicalHeaders) => {
    const actual = Buffer.from(
      tc3Signature({
        method: request.method.toUpperCase(),
        canonicalHeaders,
        signedHeaders: auth.signedHeaders.join(';'),
        payload: request.body,
        timestamp,
        service: auth.service,
        secretKey: key.secretKey,
      }),
      'hex',
    );
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  });
  if (!matches)
    throw new LonghaulError(
      'AuthFailure.SignatureFailure',
      'The signature does not match the request and the SecretKey',
    );
  return { accountId: key.accountId, secretId: auth.secretId, signature: auth.signature };
}
