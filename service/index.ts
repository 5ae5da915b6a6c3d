/** The download service's entry (`peer serve --downloads`): the server extension that adds the queue API. */
export { downloadServiceExtension, type DownloadServiceOptions } from "./download-service.js";
