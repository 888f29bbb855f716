import type { Context, Next } from 'koa';
import { LonghaulError, isLonghaulError } from '../errors';
import type { AccountStore } from '../registry/accounts';

/**
 * Authenticates a request by its account key, sent as HTTP Basic credentials: SecretId as the user name,
 * SecretKey as the password (`curl -u "$SECRET_ID:$SECRET_KEY"`). The key is checked against the stored
 * one on every request, so a revoked key stops working at once. Use TLS in front of it beyond localhost.
 */
export function authenticate(accounts: AccountStore) {
  return async (ctx: Context, next: Next) => {
    try {
      ctx.state.accountId = accountOfCredentials(accounts, ctx.get('authorization'));
    } catch (err) {
      // RFC 9110 §11.6.1: every 401 carries the challenge, however the credentials were wrong.
      if (isLonghaulError(err) && err.status === 401) ctx.set('WWW-Authenticate', 'Basic realm="longhaul"');
      throw err;
    }
    await next();
  };
}

function accountOfCredentials(accounts: AccountStore, header: string): string {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!match) {
    throw new LonghaulError('AuthFailure.MissingCredentials', 'Send your SecretId and SecretKey as HTTP Basic credentials');
  }
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw new LonghaulError('AuthFailure.MissingCredentials', 'Basic credentials must be SecretId:SecretKey');
  return accounts.authenticate(decoded.slice(0, colon), decoded.slice(colon + 1));
}

export function accountOf(ctx: Context): string {
  return ctx.state.accountId as string;
}
