import { zipFixture } from './fixtures';
import type { ApiClient } from './api-client';

/** Creates a function from the toolbox fixture in the default namespace and returns its name. */
export async function createToolboxFunction(
  client: ApiClient,
  name: string,
  options: Record<string, unknown> = {},
): Promise<string> {
  const response = await client.post('/v1/namespaces/default/functions', {
    functionName: name,
    runtime: 'Nodejs18.15',
    handler: 'index.echo',
    code: { zipFile: await zipFixture('toolbox') },
    timeout: 60,
    asyncRunEnable: true,
    ...options,
  });
  if (response.status !== 201) throw new Error(`create failed: ${JSON.stringify(response.body)}`);
  return name;
}

export function invokePath(name: string, query = ''): string {
  return `/v1/namespaces/default/functions/${name}/invocations${query}`;
}
