/** The sign-in page (pure): one password field named `key`. */
import { html, type SafeHtml } from "../../../common/html.js";
import { layout } from "../layout.js";

/** The page, with an optional error message. */
export function signInPage(error?: string): SafeHtml {
  const message = error === undefined ? "" : html`<p class="error" role="alert">${error}</p>`;
  return layout({
    title: "Sign in",
    body: html`<div class="card">
<h1>Sign in</h1>
<p class="note">Paste an API key of this peer (<code>peer keys create --name browser</code> prints one).</p>
${message}<form method="post" action="/web/sign-in">
<label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
<button class="primary" type="submit">Sign in</button>
</form>
</div>`,
  });
}

/** A short page with a title and a message (errors, "not found"). */
export function messagePage(title: string, message: string, csrf?: string): SafeHtml {
  return layout({
    title,
    csrf,
    body: html`<h1>${title}</h1>\n<p>${message}</p>\n<p><a href="/">Back to the shares</a></p>`,
  });
}
