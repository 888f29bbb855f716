import { LonghaulError } from '../errors';
import type { Db } from './database';

export interface NamespaceView {
  name: string;
  description: string;
  createdAt: string;
}

export const defaultNamespace = 'default';

/** An account's function namespaces; `default` always exists. */
export class NamespaceRegistry {
  constructor(private readonly db: Db) {}

  ensureDefault(accountId: string): void {
    this.db
      .prepare(`INSERT OR IGNORE INTO namespaces (account_id, name, description, created_at) VALUES (?, ?, '', ?)`)
      .run(accountId, defaultNamespace, new Date().toISOString());
  }

  create(accountId: string, name: string, description: string): NamespaceView {
    const createdAt = new Date().toISOString();
    const { changes } = this.db
      .prepare('INSERT OR IGNORE INTO namespaces (account_id, name, description, created_at) VALUES (?, ?, ?, ?)')
      .run(accountId, name, description, createdAt);
    if (changes === 0) throw new LonghaulError('ResourceInUse.Namespace', `Namespace ${name} already exists`);
    return { name, description, createdAt };
  }

  list(accountId: string): NamespaceView[] {
    return this.db
      .prepare('SELECT name, description, created_at AS createdAt FROM namespaces WHERE account_id = ? ORDER BY name')
      .all(accountId) as NamespaceView[];
  }

  /** Only an empty namespace other than `default` can go. */
  delete(accountId: string, name: string): void {
    if (name === defaultNamespace) {
      throw new LonghaulError('ResourceInUse.Namespace', 'The default namespace cannot be deleted');
    }
    const inUse = this.db.prepare('SELECT 1 FROM functions WHERE account_id = ? AND namespace = ? LIMIT 1').get(accountId, name);
    if (inUse) throw new LonghaulError('ResourceInUse.Namespace', `Namespace ${name} still holds functions`);
    const { changes } = this.db.prepare('DELETE FROM namespaces WHERE account_id = ? AND name = ?').run(accountId, name);
    if (changes === 0) throw new LonghaulError('ResourceNotFound.Namespace', `Namespace ${name} does not exist`);
  }
}
