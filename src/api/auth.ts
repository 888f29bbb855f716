import type { Context, Next } from 'koa';
import { LonghaulError } from '../errors';
import type { AccountStore } from '../registry/accounts';

/**
 * Authenticates a request by its account key, sent as HTTP Basic credentials: SecretId as the user name,
 * SecretKey as the password (`curl -u "$SECRET_ID:$SECRET_KEY"`). The key is checked against the stored
 * one on every request, so a revoked key stops working at once. Use TLS in front of it beyond localhost.
 */
export function authenticate(accounts: AccountStore) {
  return async (ctx: Context, next: Next) => {
    const header = ctx.get('authorization');
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
    if (!match) {
      ctx.set('WWW-Authenticate', 'Basic realm="longhaul"');
      throw new LonghaulError('AuthFailure.MissingCredentials', 'Send your SecretId and SecretKey as HTTP Basic credentials');
    }
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new LonghaulError('AuthFailure.MissingCredentials', 'Basic credentials must be SecretId:SecretKey');
    ctx.state.accountId = accounts.authenticate(decoded.slice(0, colon), decoded.slice(colon + 1));
    await next();
  };
}

export function accountOf(ctx: Context): string {
  return ctx.state.accountId as string;
}
