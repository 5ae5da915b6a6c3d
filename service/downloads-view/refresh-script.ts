/**
 * The downloads view's only script (served at SCRIPT_PATH, CSP `script-src
 * 'self'`): every 2 s, while the tab is visible and nothing in the list has
 * focus, it fetches the list fragment and puts it in place. The page works the
 * same without it (forms post and come back with a 303). It stops when the
 * session ends (the fragment then redirects or is refused). ASCII only
 * (scripts/build.mjs keeps the bundle ASCII).
 */

/** Milliseconds between two refreshes. */
export const REFRESH_MS = 2000;

/** The script's text. */
export const REFRESH_SCRIPT = `"use strict";
(function () {
  var box = document.getElementById("downloads-list");
  if (!box) return;
  var src = box.getAttribute("data-src");
  var busy = false;
  var timer = setInterval(function () {
    if (busy || document.hidden || box.contains(document.activeElement)) return;
    busy = true;
    fetch(src, { credentials: "same-origin", redirect: "manual", cache: "no-store" })
      .then(function (res) {
        if (res.ok && res.type === "basic") return res.text().then(function (text) { box.innerHTML = text; });
        clearInterval(timer);
      })
      .catch(function () {})
      .then(function () { busy = false; });
  }, ${REFRESH_MS});
})();
`;
