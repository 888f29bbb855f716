import * as rules from '../registry/function-rules';
import type { ScfActions } from './action';
import { scfSeconds } from './params';

/** Function namespaces, over the namespace registry. */
export const namespaceActions: ScfActions = {
  CreateNamespace: {
    params: { Namespace: 'string*', Description: 'string' },
    run(c, p) {
      c.deps.namespaces.create(
        c.accountId,
        rules.validateNamespace(p.Namespace),
        rules.validateDescription(p.Description ?? ''),
      );
      return {};
    },
  },

  ListNamespaces: {
    readOnly: true,
    params: { Limit: 'integer', Offset: 'integer' },
    run(c, p) {
      const all = c.deps.namespaces.list(c.accountId);
      const offset = Math.max(0, (p.Offset as number | undefined) ?? 0);
      const limit = Math.max(1, (p.Limit as number | undefined) ?? 20);
      return {
        Namespaces: all.slice(offset, offset + limit).map((ns) => ({
          Name: ns.name,
          Description: ns.description,
          AddTime: scfSeconds(ns.createdAt, c.timeZone),
          ModTime: scfSeconds(ns.createdAt, c.timeZone),
          Type: ns.name === 'default' ? 'default' : 'custom',
        })),
        TotalCount: all.length,
      };
    },
  },

  DeleteNamespace: {
    params: { Namespace: 'string*' },
    run(c, p) {
      c.deps.namespaces.delete(c.accountId, rules.validateNamespace(p.Namespace));
      return {};
    },
  },
};
