/** The stylesheet of the web page, served at /web/style.css (a constant: no build step). */
export const STYLESHEET = `:root { color-scheme: light dark; --muted: #6b7280; --line: #d1d5db; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { display: flex; align-items: center; justify-content: space-between; padding: .6rem 1.2rem; border-bottom: 1px solid var(--line); }
header .home { font-weight: 700; text-decoration: none; color: inherit; }
main { max-width: 70rem; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
a { color: var(--accent); }
h1 { font-size: 1.3rem; margin: .4rem 0 1rem; word-break: break-all; }
nav.crumbs { margin: .2rem 0 .8rem; color: var(--muted); word-break: break-all; }
nav.crumbs a { text-decoration: none; }
form.search { display: flex; gap: .5rem; margin: 0 0 1rem; }
input[type=search], input[type=password], input[type=text] { flex: 1; padding: .45rem .6rem; font: inherit; border: 1px solid var(--line); border-radius: 6px; min-width: 0; }
button { padding: .45rem .9rem; font: inherit; border: 1px solid var(--line); border-radius: 6px; background: transparent; color: inherit; cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th a { color: inherit; text-decoration: none; }
td.size, th.size { text-align: right; white-space: nowrap; }
td.when, td.kind { white-space: nowrap; color: var(--muted); }
td.name { word-break: break-all; }
a.folder { font-weight: 600; }
a.details { font-size: .8em; color: var(--muted); margin-left: .4rem; }
.note { color: var(--muted); }
.error { color: #b91c1c; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
dt { color: var(--muted); }
dd { margin: 0; word-break: break-all; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9em; }
.card { max-width: 26rem; margin: 4rem auto; }
.card form { display: flex; flex-direction: column; gap: .7rem; }
.actions { display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; margin: 1rem 0; }
.actions form { margin: 0; }
nav.views { margin: 0 0 .6rem; }
form.add { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: 0 0 .8rem; }
td.row-actions form { display: inline; margin: 0; }
td.row-actions button { padding: .2rem .5rem; font-size: .85em; }
progress { width: 8rem; vertical-align: middle; }
.player { display: block; width: 100%; max-height: 75vh; margin: 0 0 .6rem; }
video.player { background: #000; }
`;
