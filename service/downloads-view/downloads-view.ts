/**
 * The Downloads view of the web page (docs/web.md, docs/service.md) for a
 * session whose key has the `downloads` scope: the list with progress, and
 * forms to add (a remote's item or folder, or an uploaded .torrent), pause,
 * resume, cancel, retry and remove. It is a server/ WebView: the web route has
 * already checked the session, the scope, the Origin and the CSRF token; each
 * POST answers 303 back to the view, or the page with the error.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "pino";
import { readRemotes } from "../../client/remotes/index.js";
import { AddDownloadRequestSchema } from "../../gen/peer/v1/download_pb.js";
import type { WebView, WebViewAnswer, WebViewRequest } from "../../server/index.js";
import type { DownloadQueue } from "../download-queue.js";
import { addDownloads } from "../download-rpc.js";
import { invalid } from "../errors.js";
import { MAX_TORRENT_BYTES, type TorrentAdder } from "../torrent-add.js";
import { downloadRow, ROW_ACTIONS, type RowAction } from "./download-row.js";
import { downloadsList, downloadsPage, LIST_PATH, type ListInput, SCRIPT_PATH, VIEW_PATH } from "./downloads-page.js";
import { PLAY_PATH, playPage } from "./play-page.js";
import { REFRESH_SCRIPT } from "./refresh-script.js";

/** Largest POST: a .torrent at its limit plus the multipart framing and the other fields. */
export const MAX_VIEW_FORM_BYTES = MAX_TORRENT_BYTES + 64 * 1024;
/** Most rows shown (the newest); the page says how many more there are. @default 500 */
export const MAX_ROWS = 500;
/** Longest text field accepted (item ids are at most 4096 characters). */
const MAX_FIELD = 4096;

/** The HTTP status of a refused action. */
export function httpStatusOf(code: Code): number {
  switch (code) {
    case Code.InvalidArgument:
      return 400;
    case Code.NotFound:
      return 404;
    case Code.AlreadyExists:
    case Code.FailedPrecondition:
      return 409;
    case Code.Unimplemented:
      return 501;
    case Code.Unavailable:
      return 503;
    default:
      return 500;
  }
}

/** Creates the view over the queue. */
export function createDownloadsView(queue: DownloadQueue, torrents: TorrentAdder, logger: Logger): WebView {
  async function rows(): Promise<ListInput> {
    const all = await queue.list();
    return { rows: all.slice(0, MAX_ROWS).map((d) => downloadRow(d, queue.live(d.id))), total: all.length };
  }

  async function page(req: WebViewRequest, status: number, error?: string): Promise<WebViewAnswer> {
    const remotes = (await readRemotes(queue.dataDir)).map((r) => r.name);
    const input = { list: await rows(), csrf: req.session.csrf, remotes, error };
    return { kind: "page", status, page: downloadsPage(input), script: true };
  }

  async function play(req: WebViewRequest): Promise<WebViewAnswer> {
    const id = req.query.get("id") ?? "";
    const d = id === "" || id.length > MAX_FIELD ? undefined : await queue.get(id);
    if (d === undefined) return page(req, 404, "There is no such download (it may have been removed).");
    const row = downloadRow(d, queue.live(d.id));
    return { kind: "page", status: 200, page: playPage(row, req.session.csrf), media: true };
  }

  async function post(sub: string, form: FormData): Promise<void> {
    const destination = text(form, "destination");
    if (sub === "/add") {
      const item = text(form, "item");
      if (item === "") throw invalid("the item id is empty: paste an id such as share/folder/file.iso");
      const what = { peer: text(form, "remote"), itemId: item, folder: form.get("folder") !== null };
      await addDownloads(
        queue,
        torrents,
        create(AddDownloadRequestSchema, { what: { case: "item", value: what }, destination }),
      );
    } else if (sub === "/torrent") {
      const file = form.get("torrent");
      if (file === null || typeof file === "string" || file.size === 0)
        throw invalid("choose a .torrent file to upload");
      const bytes = new Uint8Array(await file.arrayBuffer());
      await addDownloads(
        queue,
        torrents,
        create(AddDownloadRequestSchema, { what: { case: "torrent", value: bytes }, destination }),
      );
    } else {
      const id = text(form, "id");
      const action = text(form, "action");
      if (id === "") throw invalid("which download? (the form had no id)");
      if (!(ROW_ACTIONS as readonly string[]).includes(action))
        throw invalid(`unknown action "${action.slice(0, 40)}"`);
      await act(id, action as RowAction);
    }
  }

  async function act(id: string, action: RowAction): Promise<void> {
    switch (action) {
      case "pause":
        await queue.pause(id);
        return;
      case "resume":
        await queue.resume(id);
        return;
      case "cancel":
        await queue.cancel(id);
        return;
      case "retry":
        await queue.retry(id);
        return;
      case "remove":
      case "remove-files":
        await queue.remove(id, action === "remove-files");
        return;
    }
  }

  return {
    prefix: VIEW_PATH,
    label: "Downloads",
    maxFormBytes: MAX_VIEW_FORM_BYTES,
    async handle(req) {
      const sub = req.path.slice(VIEW_PATH.length);
      if (req.method === "GET") {
        if (sub === "" || sub === "/") return page(req, 200);
        if (req.path === LIST_PATH) return { kind: "fragment", html: downloadsList(await rows(), req.session.csrf) };
        if (req.path === SCRIPT_PATH) return { kind: "script", text: REFRESH_SCRIPT };
        if (req.path === PLAY_PATH) return play(req);
        return page(req, 404, "There is nothing here.");
      }
      const known = sub === "/add" || sub === "/torrent" || sub === "/action";
      if (!known || req.form === undefined) return page(req, 404, "There is nothing here.");
      try {
        await post(sub, req.form);
      } catch (error) {
        const e = ConnectError.from(error);
        if (e.code === Code.Internal || e.code === Code.Unknown)
          logger.error({ err: error, keyId: req.session.keyId }, "a downloads view action failed");
        const message = e.code === Code.Internal ? "internal error; see the server log" : e.rawMessage;
        return page(req, httpStatusOf(e.code), message);
      }
      return { kind: "redirect", location: VIEW_PATH };
    },
  };
}

/** A text field, trimmed; "" when absent; refused when longer than MAX_FIELD. */
function text(form: FormData, name: string): string {
  const v = form.get(name);
  if (typeof v !== "string") return "";
  if (v.length > MAX_FIELD) throw invalid(`the field ${name} is longer than ${MAX_FIELD} characters`);
  return v.trim();
}
