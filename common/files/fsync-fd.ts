/** fsync of an open descriptor in libuv's thread pool, for callers that open and close synchronously. */
import { fsync } from "node:fs";

/** fsync(2) of `fd`, off the event loop. */
export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (err) => (err === null ? resolve() : reject(err))));
}
