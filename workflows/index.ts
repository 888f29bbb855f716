// The workflow bundle's entry point: every workflow type the worker registers.
export { functionEventWorkflow } from './function-event';
export { concurrencyPoolWorkflow } from './concurrency-pool';
