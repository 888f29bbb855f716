import { LonghaulError } from '../errors';
import type { InvokeResponse } from '../events/gateway';
import * as rules from '../registry/function-rules';
import type { ScfActions, ScfContext, ScfResult } from './action';
import { type Params, functionNameOf, namespaceOf } from './params';

const invocationTypes = ['RequestResponse', 'Event'];

function logTypeOf(value: unknown): 'None' | 'Tail' {
  if (value === undefined) return 'None';
  if (value === 'None' || value === 'Tail') return value;
  throw new LonghaulError('InvalidParameter', 'LogType must be None or Tail');
}

/**
 * Starts an event through the gateway. The event's id is both Result.FunctionRequestId and the response's
 * RequestId. A function with async execution on is always invoked async (SCF's rule), whatever
 * InvocationType says: the gateway decides that from the function.
 */
async function invoke(
  c: ScfContext,
  p: Params,
  eventText: string | undefined,
  logType: 'None' | 'Tail',
): Promise<ScfResult> {
  const response: InvokeResponse = await c.deps.gateway.invoke(c.accountId, {
    namespace: namespaceOf(p),
    functionName: functionNameOf(p),
    qualifier: rules.validateQualifier(p.Qualifier),
    eventText: eventText ?? '',
    invokeType: 'API',
  });
  if (response.async) {
    return {
      Result: {
        FunctionRequestId: response.requestId,
        RetMsg: '',
        ErrMsg: '',
        Log: '',
        Duration: 0,
        BillDuration: 0,
        MemUsage: 0,
        InvokeResult: 0,
      },
      RequestId: response.requestId,
    };
  }
  const { event } = response;
  const duration = event.durationMs ?? 0;
  return {
    Result: {
      FunctionRequestId: response.requestId,
      RetMsg: event.status === 'FINISHED' ? JSON.stringify(event.result ?? null) : '',
      ErrMsg: event.error
        ? JSON.stringify({ errorCode: event.statusCode, errorMessage: event.error.message })
        : '',
      Log: logType === 'Tail' ? (event.logTail ?? '') : '',
      Duration: duration,
      BillDuration: Math.ceil(duration),
      MemUsage: event.memUsageBytes ?? 0,
      InvokeResult: event.status === 'FINISHED' ? 0 : event.statusCode,
    },
    RequestId: response.requestId,
  };
}

/** Invocation: Invoke (sync or async) and InvokeFunction (sync), over the event gateway. */
export const invokeActions: ScfActions = {
  Invoke: {
    params: {
      FunctionName: 'string*',
      InvocationType: 'string',
      Qualifier: 'string',
      ClientContext: 'string',
      LogType: 'string',
      Namespace: 'string',
    },
    async run(c, p) {
      if (p.InvocationType !== undefined && !invocationTypes.includes(p.InvocationType as string)) {
        throw new LonghaulError('InvalidParameter', 'InvocationType must be RequestResponse or Event');
      }
      if (p.InvocationType === 'Event') {
        // Event on a function without async execution would need a fire-and-forget sync run: not offered.
        const fn = c.deps.registry.get(
          c.accountId,
          namespaceOf(p),
          functionNameOf(p),
          rules.validateQualifier(p.Qualifier),
        );
        if (!fn.asyncRunEnable) {
          throw new LonghaulError(
            'UnsupportedOperation',
            'InvocationType Event needs a function with AsyncRunEnable TRUE',
          );
        }
      }
      return invoke(c, p, p.ClientContext as string | undefined, logTypeOf(p.LogType));
    },
  },

  InvokeFunction: {
    params: {
      FunctionName: 'string*',
      Qualifier: 'string',
      Event: 'string',
      LogType: 'string',
      Namespace: 'string',
    },
    run(c, p) {
      return invoke(c, p, p.Event as string | undefined, logTypeOf(p.LogType));
    },
  },
};
