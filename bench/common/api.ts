/** The REST API calls that the benches make the same way a client would. */

/** The API's Basic authorization header for an account's key pair. */
export const basicAuthorization = (key: { secretId: string; secretKey: string }): string =>
  `Basic ${Buffer.from(`${key.secretId}:${key.secretKey}`).toString('base64')}`;

export interface ApiAnswer {
  status: number;
  /** The JSON body; empty for an answer without one (204). */
  body: Record<string, unknown>;
}

/** A caller of one API for one account: JSON in, status and JSON out, as a client would call it. */
export function apiCaller(apiUrl: string, authorization: string) {
  return async (method: string, url: string, body?: unknown): Promise<ApiAnswer> => {
    const response = await fetch(`${apiUrl}${url}`, {
      method,
      headers: { authorization, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
}

export interface BenchFunction {
  functionName: string;
  runtime: string;
  handler: string;
  /** The code package, base64 (common/zip.ts). */
  zipFile: string;
  memorySize?: number;
}

/**
 * Creates a function in the `default` namespace: async (invocations run as events), 900 s timeout, and a
 * log destination (placeholder CLS logset/topic ids): only then do its lines go to the log store, which is
 * what the benches follow and read.
 */
export async function createBenchFunction(
  apiUrl: string,
  authorization: string,
  fn: BenchFunction,
): Promise<void> {
  const { zipFile, ...fields } = fn;
  const created = await fetch(`${apiUrl}/v1/namespaces/default/functions`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({
      ...fields,
      code: { zipFile },
      timeout: 900,
      asyncRunEnable: true,
      traceEnable: true,
      logsetId: 'bench-logset',
      topicId: 'bench-topic',
    }),
  });
  if (created.status !== 201)
    throw new Error(`function create failed: ${created.status} ${await created.text()}`);
}
