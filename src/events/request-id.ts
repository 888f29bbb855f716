import { createHash, randomUUID } from 'node:crypto';
import { LonghaulError } from '../errors';

/** Namespace UUID for idempotency keys (RFC 9562 name-based UUIDs), fixed forever: changing it breaks dedup. */
const idempotencyNamespace = Buffer.from('5b1d3a0e4c2f4d6a9e8b7c6d5e4f3a2b', 'hex');

const idempotencyKeyPattern = /^[A-Za-z0-9._:-]{1,128}$/;
const requestIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The RequestId (and workflow id) of an invocation: random, or derived from the caller's idempotency key
 * together with the account and function. Deriving it keeps keys of different accounts and functions
 * apart (a key can never reach another tenant's event) and keeps every RequestId a UUID, as SCF's are. The
 * function's creation time is part of the scope, so a function deleted and created again starts afresh.
 */
export function requestIdFor(
  scope: { accountId: string; namespace: string; functionName: string; functionCreatedAt: string },
  key?: string,
) {
  if (key === undefined) return randomUUID();
  if (!idempotencyKeyPattern.test(key)) {
    throw new LonghaulError(
      'InvalidParameterValue.IdempotencyKey',
      'Idempotency-Key must be 1-128 letters, digits, or . _ : -',
    );
  }
  const name = [scope.accountId, scope.namespace, scope.functionName, scope.functionCreatedAt, key].join('\n');
  const hash = createHash('sha1').update(idempotencyNamespace).update(name).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50; // version 5
  hash[8] = (hash[8]! & 0x3f) | 0x80; // RFC variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function validateRequestId(requestId: string): string {
  if (!requestIdPattern.test(requestId)) {
    throw new LonghaulError('InvalidParameterValue.RequestId', 'RequestId must be a lower-case UUID');
  }
  return requestId;
}
