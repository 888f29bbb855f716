import { LonghaulError } from '../errors';
import { decodeZip, parseConfigurationPatch, parseCreateFunction } from '../api/function-requests';
import * as rules from '../registry/function-rules';
import type { FunctionView } from '../registry/functions';
import type { ScfActions, ScfContext } from './action';
import {
  type Params,
  environmentOf,
  functionFields,
  functionNameOf,
  namespaceOf,
  refuseUnsupported,
  scfFlag,
  scfSeconds,
} from './params';

/** Drops undefined values, so the shared parsers apply their own defaults. */
function defined(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

/** SCF's Code {ZipFile} as the REST API's code object: the only code source longhaul takes (no COS, no images). */
function codeOf(code: unknown): { zipFile: unknown } {
  const other = Object.keys(code as object).filter((k) => k !== 'ZipFile');
  if (other.length > 0)
    throw new LonghaulError(
      'UnsupportedOperation',
      `longhaul takes code only as Code.ZipFile, not ${other.join(', ')}`,
    );
  const zipFile = (code as { ZipFile?: unknown }).ZipFile;
  if (zipFile === undefined) throw new LonghaulError('MissingParameter', 'Code.ZipFile is required');
  return { zipFile };
}

function publishIfAsked(c: ScfContext, params: Params, fn: FunctionView): void {
  if (scfFlag(params.Publish, 'Publish')) c.deps.registry.publishVersion(c.accountId, fn.namespace, fn.name);
}

function versionFields(fn: FunctionView, timeZone: string) {
  return {
    FunctionVersion: fn.version,
    CodeSize: fn.codeSize,
    MemorySize: fn.memoryMb,
    Description: fn.description,
    Handler: fn.handler,
    Timeout: fn.timeoutSeconds,
    Runtime: fn.runtime,
    Namespace: fn.namespace,
    AddTime: scfSeconds(fn.modTime, timeZone),
  };
}

function listOptions(params: Params) {
  const offset = (params.Offset as number | undefined) ?? 0;
  const limit = (params.Limit as number | undefined) ?? 20;
  const order = ((params.Order as string | undefined) ?? 'DESC').toUpperCase();
  const orderBy = (params.Orderby as string | undefined) ?? 'AddTime';
  if (offset < 0)
    throw new LonghaulError('InvalidParameterValue.Offset', 'Offset must be a whole number from 0');
  if (limit < 1 || limit > 100)
    throw new LonghaulError('InvalidParameterValue.Limit', 'Limit must be a whole number from 1 to 100');
  if (order !== 'ASC' && order !== 'DESC')
    throw new LonghaulError('InvalidParameterValue.Order', 'Order must be ASC or DESC');
  if (orderBy !== 'AddTime' && orderBy !== 'ModTime' && orderBy !== 'FunctionName') {
    throw new LonghaulError('InvalidParameter', 'Orderby must be AddTime, ModTime or FunctionName');
  }
  return { offset, limit, order, orderBy, searchKey: params.SearchKey as string | undefined } as const;
}

/** Functions and their versions, over the function registry and the REST API's request parsers. */
export const functionActions: ScfActions = {
  CreateFunction: {
    params: {
      FunctionName: 'string*',
      Code: 'object*',
      Handler: 'string',
      Description: 'string',
      MemorySize: 'integer',
      Timeout: 'integer',
      Environment: 'object',
      Runtime: 'string',
      Namespace: 'string',
      ClsLogsetId: 'string',
      ClsTopicId: 'string',
      Type: 'string',
      AsyncRunEnable: 'string',
      TraceEnable: 'string',
    },
    async run(c, p) {
      if (p.Type !== undefined && p.Type !== 'Event')
        throw new LonghaulError('UnsupportedOperation', 'longhaul runs only Type Event functions');
      const input = parseCreateFunction(
        namespaceOf(p),
        defined({
          functionName: p.FunctionName,
          runtime: p.Runtime,
          handler: p.Handler,
          code: codeOf(p.Code),
          timeout: p.Timeout,
          memorySize: p.MemorySize,
          environment: environmentOf(p.Environment),
          description: p.Description,
          logsetId: p.ClsLogsetId,
          topicId: p.ClsTopicId,
          asyncRunEnable: scfFlag(p.AsyncRunEnable, 'AsyncRunEnable'),
          traceEnable: scfFlag(p.TraceEnable, 'TraceEnable'),
        }),
        c.deps.config.maxAsyncTimeoutSeconds,
      );
      await c.deps.registry.create(c.accountId, input);
      return {};
    },
  },

  GetFunction: {
    readOnly: true,
    params: { FunctionName: 'string*', Qualifier: 'string', Namespace: 'string', ShowCode: 'string' },
    run(c, p) {
      if (scfFlag(p.ShowCode, 'ShowCode'))
        throw new LonghaulError('UnsupportedOperation', 'longhaul does not show code inline (ShowCode)');
      const fn = c.deps.registry.get(
        c.accountId,
        namespaceOf(p),
        functionNameOf(p),
        rules.validateQualifier(p.Qualifier),
      );
      return functionFields(fn, c.timeZone);
    },
  },

  UpdateFunctionCode: {
    params: {
      FunctionName: 'string*',
      Handler: 'string',
      ZipFile: 'string',
      Code: 'object',
      Namespace: 'string',
      Publish: 'string',
    },
    async run(c, p) {
      if (p.ZipFile !== undefined && p.Code !== undefined)
        throw new LonghaulError('InvalidParameter', 'Give ZipFile or Code, not both');
      if (p.ZipFile === undefined && p.Code === undefined)
        throw new LonghaulError('MissingParameter', 'ZipFile or Code.ZipFile is required');
      const zip = decodeZip(p.Code !== undefined ? codeOf(p.Code) : { zipFile: p.ZipFile });
      const handler = p.Handler === undefined ? undefined : rules.validateHandler(p.Handler);
      const fn = await c.deps.registry.updateCode(
        c.accountId,
        namespaceOf(p),
        functionNameOf(p),
        zip,
        handler,
      );
      publishIfAsked(c, p, fn);
      return {};
    },
  },

  UpdateFunctionConfiguration: {
    params: {
      FunctionName: 'string*',
      Description: 'string',
      MemorySize: 'integer',
      Timeout: 'integer',
      Runtime: 'string',
      Environment: 'object',
      Namespace: 'string',
      ClsLogsetId: 'string',
      ClsTopicId: 'string',
      Publish: 'string',
    },
    run(c, p) {
      const current = c.deps.registry.get(c.accountId, namespaceOf(p), functionNameOf(p));
      const patch = parseConfigurationPatch(
        current,
        defined({
          timeout: p.Timeout,
          memorySize: p.MemorySize,
          environment: environmentOf(p.Environment),
          description: p.Description,
          runtime: p.Runtime,
          logsetId: p.ClsLogsetId,
          topicId: p.ClsTopicId,
        }),
        c.deps.config.maxAsyncTimeoutSeconds,
      );
      const fn = c.deps.registry.updateConfiguration(c.accountId, current.namespace, current.name, patch);
      publishIfAsked(c, p, fn);
      return {};
    },
  },

  DeleteFunction: {
    params: { FunctionName: 'string*', Namespace: 'string', Qualifier: 'string' },
    run(c, p) {
      const qualifier = p.Qualifier === undefined ? undefined : rules.validateQualifier(p.Qualifier);
      c.deps.registry.delete(c.accountId, namespaceOf(p), functionNameOf(p), qualifier);
      return {};
    },
  },

  ListFunctions: {
    readOnly: true,
    params: {
      Order: 'string',
      Orderby: 'string',
      Offset: 'integer',
      Limit: 'integer',
      SearchKey: 'string',
      Namespace: 'string',
      Description: 'string',
      Filters: 'array',
    },
    run(c, p) {
      refuseUnsupported(p, ['Description']);
      if (Array.isArray(p.Filters) && p.Filters.length > 0)
        throw new LonghaulError('UnsupportedOperation', 'longhaul does not support Filters');
      const { functions, total } = c.deps.registry.list(c.accountId, namespaceOf(p), listOptions(p));
      return {
        Functions: functions.map((fn) => {
          const f = functionFields(fn, c.timeZone);
          return {
            FunctionName: f.FunctionName,
            Namespace: f.Namespace,
            Runtime: f.Runtime,
            Status: f.Status,
            Description: f.Description,
            AddTime: f.AddTime,
            ModTime: f.ModTime,
            Type: f.Type,
            AsyncRunEnable: f.AsyncRunEnable,
            TraceEnable: f.TraceEnable,
          };
        }),
        TotalCount: total,
      };
    },
  },

  PublishVersion: {
    params: { FunctionName: 'string*', Description: 'string', Namespace: 'string' },
    run(c, p) {
      const description = p.Description === undefined ? undefined : rules.validateDescription(p.Description);
      const fn = c.deps.registry.publishVersion(c.accountId, namespaceOf(p), functionNameOf(p), description);
      return versionFields(fn, c.timeZone);
    },
  },

  ListVersionByFunction: {
    readOnly: true,
    params: { FunctionName: 'string*', Namespace: 'string' },
    run(c, p) {
      const versions = c.deps.registry.listVersions(c.accountId, namespaceOf(p), functionNameOf(p));
      return {
        FunctionVersion: versions.map((v) => v.version),
        Versions: versions.map((v) => ({
          Version: v.version,
          Description: v.description,
          AddTime: scfSeconds(v.modTime, c.timeZone),
          ModTime: scfSeconds(v.modTime, c.timeZone),
          Status: 'Active',
        })),
        TotalCount: versions.length,
      };
    },
  },
};
