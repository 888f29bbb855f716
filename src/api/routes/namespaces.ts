import type Router from '@koa/router';
import * as rules from '../../registry/function-rules';
import { accountOf } from '../auth';
import { onlyKnownFields, readObject } from '../body';
import type { ApiDeps } from '../app';

/** Function namespaces: /v1/namespaces[...]. */
export function namespaceRoutes(router: Router, { namespaces }: ApiDeps): void {
  router.post('/v1/namespaces', async (ctx) => {
    const body = await readObject(ctx, 16 * 1024);
    onlyKnownFields(body, ['name', 'description']);
    const name = rules.validateNamespace(body.name);
    const description = rules.validateDescription(body.description ?? '');
    ctx.status = 201;
    ctx.body = namespaces.create(accountOf(ctx), name, description);
  });

  router.get('/v1/namespaces', (ctx) => {
    ctx.body = { namespaces: namespaces.list(accountOf(ctx)) };
  });

  router.delete('/v1/namespaces/:namespace', (ctx) => {
    namespaces.delete(accountOf(ctx), rules.validateNamespace(ctx.params.namespace));
    ctx.status = 204;
  });
}
