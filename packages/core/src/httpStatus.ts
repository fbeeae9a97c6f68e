// The one table of HTTP statuses for idxflow's errors: `serve()` and `idxflow explore` answer a
// failed request with the status of its error's code, never by its class, so an error keeps
// its status wherever it was thrown (a stage's option check, a query parser, the CLI).

/**
 * The HTTP status of each error code that is not a server failure; every other code, and any
 * error without an idxflow code, is 500. docs/errors.md shows the same table.
 */
export const HTTP_STATUS_OF_CODE: Readonly<Record<string, number>> = Object.freeze({
  IDXFLOW_OPTION: 400, // a stage's option, built from the request's parameters
  IDXFLOW_BAD_REQUEST: 400, // a query that cannot be served
  IDXFLOW_VIEW: 400, // an explore request the page should not have made
  IDXFLOW_USAGE: 400, // an explore setting the CLI's flags refuse
  IDXFLOW_CANCELLED: 409, // replaced by a newer request of the same page
  IDXFLOW_MISSING_PACKAGE: 501, // the endpoint needs an optional package (ws)
  IDXFLOW_BUSY: 503, // more heavy requests than the queue takes
});

/**
 * The HTTP status a server answers `error` with: by its `code` (HTTP_STATUS_OF_CODE), 500 for
 * any other error. A pipeline factory that refuses a request throws an `OptionError` (400).
 *
 * ## Example
 * ```ts
 * httpStatusOf(new OptionError('Expected integer >= 1 for batch but received 0')); // 400
 * httpStatusOf(new DatasetNotFoundError({ file: 'x', expected: 'y', found: 'z' }, { dataset: 'mnist', split: 'test', tried: [] })); // 500
 * httpStatusOf(new RangeError('no idxflow code')); // 500
 * ```
 */
export function httpStatusOf(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code;
  return (typeof code === 'string' && Object.hasOwn(HTTP_STATUS_OF_CODE, code) && HTTP_STATUS_OF_CODE[code]) || 500;
}
