/** Test helper: the exact GET body a ResponsePlan describes, built from the file's bytes in memory. */
import type { ResponsePlan } from "../../../../common/http/response-plan.js";

/** Concatenates part heads, file slices and the tail, as serve-file.ts streams them. */
export function renderPlan(plan: ResponsePlan, file: Buffer): Buffer {
  const body = plan.body;
  if (body.kind === "empty") return Buffer.alloc(0);
  if (body.kind === "text") return Buffer.from(body.text);
  const chunks: Buffer[] = [];
  for (const part of body.parts) {
    chunks.push(Buffer.from(part.head, "latin1"), file.subarray(part.first, part.last + 1));
  }
  chunks.push(Buffer.from(body.tail, "latin1"));
  return Buffer.concat(chunks);
}
