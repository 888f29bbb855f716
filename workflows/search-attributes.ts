import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';

/**
 * longhaul's custom search attributes. They make every event findable in the Temporal Web UI and scope
 * every visibility query by account. Plain objects (not defineSearchAttributeKey) so this file stays pure.
 */
export const searchAttributes = {
  account: { name: 'LonghaulAccount', type: 'KEYWORD' } as SearchAttributeKey<'KEYWORD'>,
  namespace: { name: 'LonghaulNamespace', type: 'KEYWORD' } as SearchAttributeKey<'KEYWORD'>,
  functionName: { name: 'LonghaulFunction', type: 'KEYWORD' } as SearchAttributeKey<'KEYWORD'>,
  version: { name: 'LonghaulVersion', type: 'KEYWORD' } as SearchAttributeKey<'KEYWORD'>,
  invokeType: { name: 'LonghaulInvokeType', type: 'KEYWORD' } as SearchAttributeKey<'KEYWORD'>,
  /** SCF's function status code once the event has ended. */
  statusCode: { name: 'LonghaulStatusCode', type: 'INT' } as SearchAttributeKey<'INT'>,
} as const;

export const allSearchAttributes = Object.values(searchAttributes);
