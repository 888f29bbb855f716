/** SCF's function status codes (see ../shared/spec/scf-api.md), used once an event has ended. */
export const statusCodes = {
  running: 0,
  success: 200,
  requestTooLarge: 406,
  userError: 430,
  concurrencyQuota: 432,
  timeout: 433,
  memoryLimit: 434,
  functionNotFound: 435,
  handlerNotFound: 437,
  processExited: 439,
  userCodeError: 443,
  cancelled: 499,
  internalError: 500,
} as const;
