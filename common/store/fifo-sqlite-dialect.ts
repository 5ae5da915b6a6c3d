/**
 * Kysely's SQLite dialect with its one connection handed out first come, first served. Kysely's
 * own lock wakes every waiter at each release and all but one wait again: with a folder's eight
 * files (and their lease renewals) queued behind a transaction, each release cost one promise per
 * waiter, ≈ 130 MB of garbage over a folder of 1,000 files (docs/performance.md "Folders"). Here a
 * release wakes only the next waiter. Order and exclusion are unchanged: one query or transaction
 * at a time, in the order they asked.
 */
import {
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  SqliteDialect,
  type SqliteDialectConfig,
  type TransactionSettings,
} from "kysely";

/** A first-come, first-served lock: {@link FifoLock.acquire} resolves in call order. */
export class FifoLock {
  private held = false;
  private readonly waiting: Array<() => void> = [];

  /** Resolves once the lock is ours. */
  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Gives the lock to the next waiter, or frees it. */
  release(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.held = false;
    else next();
  }

  /** Waiters now (tests). */
  get queued(): number {
    return this.waiting.length;
  }
}

/** {@link SqliteDialect} whose driver takes its connection through a {@link FifoLock}. */
export class FifoSqliteDialect extends SqliteDialect {
  constructor(config: SqliteDialectConfig) {
    super(config);
  }

  override createDriver(): Driver {
    return new FifoDriver(super.createDriver());
  }
}

class FifoDriver implements Driver {
  private readonly lock = new FifoLock();

  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.lock.acquire();
    try {
      // Never waits: only the holder of our lock gets here.
      return await this.inner.acquireConnection();
    } catch (err) {
      this.lock.release();
      throw err;
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.releaseConnection(connection);
    } finally {
      this.lock.release();
    }
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]): Promise<void> {
    await this.inner.savepoint?.(connection, name, compile);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ): Promise<void> {
    await this.inner.rollbackToSavepoint?.(connection, name, compile);
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler["compileQuery"],
  ): Promise<void> {
    await this.inner.releaseSavepoint?.(connection, name, compile);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
