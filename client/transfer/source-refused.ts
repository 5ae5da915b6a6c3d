/** A source's answer that rules it out: banned (not the file) or unusable (cannot serve ranges). */
export class SourceRefused extends Error {
  constructor(
    readonly verdict: "ban" | "unusable",
    message: string,
  ) {
    super(message);
  }
}
