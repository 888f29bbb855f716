import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { allSearchAttributes } from '../../workflows/search-attributes';

const indexedTypes = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
} as const;

/**
 * Prepares a Temporal namespace for longhaul: its search attributes (so the Web UI and visibility queries
 * can filter events) and the retention of ended events. Idempotent: safe on every start.
 */
export async function prepareNamespace(connection: Connection, namespace: string, retentionHours: number) {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = allSearchAttributes.filter((key) => !(key.name in (existing.customAttributes ?? {})));
  if (missing.length > 0) {
    const searchAttributes: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
    for (const key of missing) searchAttributes[key.name] = indexedTypes[key.type];
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  }
  const retentionSeconds = retentionHours * 3600;
  const described = await connection.workflowService.describeNamespace({ namespace });
  if (Number(described.config?.workflowExecutionRetentionTtl?.seconds ?? 0) !== retentionSeconds) {
    await connection.workflowService.updateNamespace({
      namespace,
      config: { workflowExecutionRetentionTtl: msToTs(retentionSeconds * 1000) },
    });
  }
}

/** The namespace's retention of ended workflows, in hours. */
export async function namespaceRetentionHours(connection: Connection, namespace: string): Promise<number> {
  const described = await connection.workflowService.describeNamespace({ namespace });
  return Number(described.config?.workflowExecutionRetentionTtl?.seconds ?? 0) / 3600;
}
