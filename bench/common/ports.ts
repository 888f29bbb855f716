/**
 * A free port of 127.0.0.1 for the dev server and its UI. The one implementation is the test helpers'
 * (test/helpers/postgres.ts picks its server's port with it): bench code may use test helpers, as
 * log-latency uses the test PostgreSQL, while tests never depend on bench code.
 */
export { freePort } from '../../test/helpers/postgres';
