/** A command line that cannot be run: one line on stderr, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
