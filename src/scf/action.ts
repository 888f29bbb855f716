import type { ApiDeps } from '../api/app';
import type { ParamSpec, Params } from './params';

/** What an SCF action runs with: the caller's account and the API's services. */
export interface ScfContext {
  accountId: string;
  deps: ApiDeps;
  /** The IANA zone of SCF-format times (config.timeZone). */
  timeZone: string;
}

/** The fields of a successful `Response`; a `RequestId` among them replaces the generated one. */
export type ScfResult = Record<string, unknown>;

export interface ScfAction {
  /** The parameters it takes: any other is UnknownParameter. */
  params: ParamSpec;
  /** Reads only: exempt from the replay guard (a repeated read changes nothing). */
  readOnly?: boolean;
  run(ctx: ScfContext, params: Params): Promise<ScfResult> | ScfResult;
}

export type ScfActions = Record<string, ScfAction>;
