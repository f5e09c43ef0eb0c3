/** An error the user can fix (bad flag, missing file, malformed map): exit code 2, one clear line, no stack. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
