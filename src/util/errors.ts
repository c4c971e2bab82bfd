/**
 * The library's error types. Every error says what was wrong (with the value), where (field or
 * file), and what to do. Readers, parsers and the runner throw only these (or their subclasses),
 * so callers can tell a bad input from a bug.
 */

/** Base class of every error the library throws on purpose. */
export class ExactGnError extends Error {
  /** A stable machine-readable code, e.g. `E_CONFIG`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration, option or argument has a bad value. `field` names it. */
export class ConfigError extends ExactGnError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('E_CONFIG', `${field}: ${message}`);
    this.field = field;
  }
}

/** A data file is missing, truncated or malformed, or data values are invalid. */
export class DataError extends ExactGnError {
  readonly file: string | undefined;
  constructor(message: string, file?: string) {
    super('E_DATA', file === undefined ? message : `${file}: ${message}`);
    this.file = file;
  }
}

/** A checkpoint (safetensors file) is missing, truncated, corrupt, or does not fit the model. */
export class CheckpointError extends ExactGnError {
  readonly file: string | undefined;
  constructor(message: string, file?: string) {
    super('E_CHECKPOINT', file === undefined ? message : `${file}: ${message}`);
    this.file = file;
  }
}

/** A computation produced a non-finite value, or a requested exact solve does not exist. */
export class NumericalError extends ExactGnError {
  constructor(message: string) {
    super('E_NUMERICAL', message);
  }
}

/**
 * A file or folder cannot be read or written (missing folder, a file where a folder should be,
 * permission denied, read-only file system, disk full, ...). `path` names it; the message says
 * what to do. Nothing is half-written when it is thrown: writes are atomic (see src/io/atomic.ts).
 */
export class FileError extends ExactGnError {
  readonly path: string;
  /** The operating system's error code (ENOENT, ENOSPC, ...), when there is one. */
  readonly errno: string | undefined;
  constructor(path: string, message: string, errno?: string) {
    super('E_FILE', `${path === '' ? '""' : path}: ${message}`);
    this.path = path;
    this.errno = errno;
  }
}

/** A requested tfjs backend cannot be loaded here. */
export class BackendError extends ExactGnError {
  constructor(message: string) {
    super('E_BACKEND', message);
  }
}

/**
 * Throws a ConfigError when `cond` is false. The message is built lazily (tfjs-core style), so
 * hot paths pay nothing for it.
 */
export function check(cond: boolean, field: string, message: () => string): asserts cond {
  if (!cond) throw new ConfigError(field, message());
}

/** Formats a value for an error message: short, quoted strings, arrays by shape-like summary. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return value.length > 8 ? `[${value.slice(0, 8).map(show).join(', ')}, …] (${value.length} items)` : `[${value.map(show).join(', ')}]`;
  if (value === undefined) return 'undefined';
  try {
    const s = JSON.stringify(value);
    return s === undefined ? String(value) : s.length > 120 ? `${s.slice(0, 117)}...` : s;
  } catch {
    // BigInts, cycles; objects without a prototype cannot even be converted with String().
    try {
      return String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
}
