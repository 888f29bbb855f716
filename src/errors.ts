/**
 * The closed catalogue of error codes longhaul answers with. Codes follow SCF's naming so the REST API and
 * the SCF endpoint share them; docs/errors.md lists the same codes (a test keeps the two in step).
 */
export const errorCatalogue = {
  'AuthFailure.MissingCredentials': { status: 401, description: 'The request carries no credentials.' },
  'AuthFailure.SecretIdNotFound': { status: 401, description: 'The SecretId is unknown or revoked.' },
  'AuthFailure.SignatureFailure': { status: 401, description: 'The SecretKey does not match the SecretId.' },
  'AuthFailure.SignatureExpire': { status: 401, description: 'The signed timestamp is more than 5 minutes off.' },
  'AuthFailure.RequestReplayed': { status: 401, description: 'A signed request was sent a second time.' },
  InvalidAction: { status: 400, description: 'The action or API version is not one longhaul serves.' },
  InvalidParameter: { status: 400, description: 'The request body is not valid JSON or not an object.' },
  MissingParameter: { status: 400, description: 'A required parameter is missing.' },
  UnknownParameter: { status: 400, description: 'The request has a parameter this action does not take.' },
  'InvalidParameterValue.FunctionName': { status: 400, description: 'The function name breaks the naming rule.' },
  'InvalidParameterValue.Namespace': { status: 400, description: 'The namespace name breaks the naming rule.' },
  'InvalidParameterValue.Runtime': { status: 400, description: 'The runtime is not one longhaul runs.' },
  'InvalidParameterValue.Handler': { status: 400, description: 'The handler is not of the form file.method.' },
  'InvalidParameterValue.Code': { status: 400, description: 'The code package is not a valid base64 zip.' },
  'InvalidParameterValue.Timeout': { status: 400, description: 'The timeout is out of range.' },
  'InvalidParameterValue.MemorySize': { status: 400, description: 'The memory size is out of range.' },
  'InvalidParameterValue.Environment': { status: 400, description: 'An environment variable is invalid.' },
  'InvalidParameterValue.Description': { status: 400, description: 'The description is too long.' },
  'InvalidParameterValue.ClsLogsetId': { status: 400, description: 'The logset id is malformed or missing beside a topic.' },
  'InvalidParameterValue.ClsTopicId': { status: 400, description: 'The topic id is malformed or missing beside a logset.' },
  'InvalidParameterValue.Qualifier': { status: 400, description: 'The qualifier is not $LATEST or a version.' },
  'InvalidParameterValue.InvokeType': { status: 400, description: 'The invoke type is not a known one.' },
  'InvalidParameterValue.IdempotencyKey': { status: 400, description: 'The idempotency key is malformed.' },
  'InvalidParameterValue.Param': { status: 400, description: 'The event is not valid JSON.' },
  'InvalidParameterValue.GracePeriod': { status: 400, description: 'The grace period is out of range.' },
  'InvalidParameterValue.TraceEnable': { status: 400, description: 'Status tracking needs async execution.' },
  'InvalidParameterValue.RequestId': { status: 400, description: 'The RequestId is malformed.' },
  'InvalidParameterValue.Limit': { status: 400, description: 'Limit is not a whole number from 1 to 100.' },
  'InvalidParameterValue.Offset': { status: 400, description: 'Offset is not a whole number from 0.' },
  'InvalidParameterValue.Order': { status: 400, description: 'Order is not ASC or DESC.' },
  'InvalidParameterValue.OrderBy': { status: 400, description: 'OrderBy is not StartTime or EndTime.' },
  'InvalidParameterValue.Status': { status: 400, description: 'A status is not RUNNING, FINISHED, FAILED or ABORTED.' },
  'InvalidParameterValue.StartTimeInterval': { status: 400, description: 'The start-time interval is malformed.' },
  'InvalidParameterValue.EndTimeInterval': { status: 400, description: 'The end-time interval is malformed.' },
  'InvalidParameterValue.Cursor': { status: 400, description: 'A log cursor or Last-Event-ID is not attempt-seq.' },
  'InvalidParameterValue.Outcome': { status: 400, description: 'The outcome filter is not success or failure.' },
  'InvalidParameterValue.SearchText': { status: 400, description: 'The search text is empty or too long.' },
  'InvalidParameterValue.RetCode': { status: 400, description: 'Filter.RetCode is not is0 or not0.' },
  'InvalidParameterValue.ReservedConcurrencyMem': { status: 400, description: 'The reserved concurrency is not a whole number of MB ≥ 0.' },
  'InvalidParameterValue.RetryNum': { status: 400, description: 'RetryNum is not a whole number ≥ 0.' },
  'InvalidParameterValue.MsgTTL': { status: 400, description: 'MsgTTL is not a whole number of seconds.' },
  LimitExceeded: { status: 429, description: 'Async invocations arrive faster than a tenth of the concurrency per second.' },
  'LimitExceeded.ReservedConcurrencyMem': { status: 400, description: 'The reservations would exceed the account concurrency quota.' },
  'LimitExceeded.RetryNum': { status: 400, description: 'RetryNum is more than 2.' },
  'LimitExceeded.MsgTTL': { status: 400, description: 'MsgTTL is not from 60 to 21600 seconds.' },
  'RequestTooLarge.Event': { status: 406, description: 'The event is larger than the invocation allows.' },
  'RequestTooLarge.Body': { status: 413, description: 'The request body is larger than the route allows.' },
  'ResourceNotFound.Function': { status: 404, description: 'No such function in this namespace.' },
  'ResourceNotFound.Version': { status: 404, description: 'No such version of the function.' },
  'ResourceNotFound.Namespace': { status: 404, description: 'No such namespace.' },
  'ResourceNotFound.AsyncEvent': { status: 404, description: 'No such event (or it is past retention).' },
  'ResourceNotFound.Route': { status: 404, description: 'No such route.' },
  'ResourceInUse.Function': { status: 409, description: 'A function of that name already exists.' },
  'ResourceInUse.Namespace': { status: 409, description: 'The namespace exists or still holds functions.' },
  UnsupportedOperation: { status: 400, description: 'The action or setting is not supported by longhaul.' },
  'UnsupportedOperation.AsyncRunEnable': { status: 400, description: 'Async execution is fixed at creation.' },
  'UnsupportedOperation.Runtime': { status: 400, description: 'The runtime of a function cannot change.' },
  'UnsupportedOperation.Method': { status: 405, description: 'The route does not take that HTTP method.' },
  'UnsupportedOperation.StatusTracking': { status: 400, description: 'Status tracking is off for the function.' },
  'UnsupportedOperation.LogDestination': { status: 400, description: 'The function has no log destination.' },
  'FailedOperation.AsyncEventStatus': { status: 409, description: 'The event has already ended.' },
  'FailedOperation.InvokeTimeout': { status: 504, description: 'A synchronous invocation outlived its wait.' },
  'ServiceUnavailable.Temporal': { status: 503, description: 'The Temporal server cannot be reached.' },
  InternalError: { status: 500, description: 'An unexpected error; the service log has the details.' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** An error meant for the caller: its code and message are safe to show. */
export class LonghaulError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'LonghaulError';
    this.status = errorCatalogue[code].status;
  }
}

export function isLonghaulError(err: unknown): err is LonghaulError {
  return err instanceof LonghaulError;
}
