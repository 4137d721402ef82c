/**
 * The stylesheet every smgr web page starts from (the portal serves it as
 * is, the console adds its own rules): system fonts, visible focus, contrast
 * that passes axe-core, forms, tables, facts, alerts. No external asset.
 */
export const BASE_STYLESHEET = `
:root { --fg: #1b1f24; --muted: #57606a; --accent: #0b5cad; --bg: #ffffff; --line: #d0d7de; --bad: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
a:focus, button:focus, input:focus, textarea:focus { outline: 3px solid #f0a500; outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; }
.top { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; padding: 12px 24px; background: #0b3d6e; color: #fff; }
.top a { color: #fff; }
.brand { font-weight: 700; font-size: 1.2em; text-decoration: none; }
.top nav ul { display: flex; gap: 16px; list-style: none; margin: 0; padding: 0; }
.top [aria-current="page"] { text-decoration: underline; font-weight: 700; }
.signout { margin-left: auto; display: flex; gap: 8px; align-items: center; }
main { max-width: 960px; margin: 0 auto; padding: 24px; }
footer { max-width: 960px; margin: 0 auto; padding: 0 24px 24px; color: var(--muted); }
label, legend { display: block; font-weight: 600; }
input:not([type=radio]), textarea { width: 100%; max-width: 40em; padding: 6px 8px; border: 1px solid #6e7781; border-radius: 4px; font: inherit; }
.choice { display: flex; gap: 8px; align-items: center; margin: 4px 0; }
.choice label { font-weight: 400; }
fieldset { border: 1px solid var(--line); border-radius: 4px; margin: 0 0 16px; }
button { font: inherit; padding: 6px 14px; border-radius: 4px; border: 1px solid #0b3d6e; background: #0b5cad; color: #fff; cursor: pointer; }
.signout button { background: transparent; border-color: #fff; }
.narrow { max-width: 24em; }
.req { font-weight: 400; color: var(--muted); }
.field-error, .alert { color: var(--bad); }
.alert { border-left: 4px solid var(--bad); padding: 4px 12px; background: #fdf0ef; }
.offerings { list-style: none; padding: 0; }
.offerings li { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.offerings p { margin: 4px 0 0; color: var(--muted); }
.search { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; }
.search input { max-width: 24em; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--muted); }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); }
.status { padding: 1px 8px; border-radius: 10px; background: #eaeef2; }
.status-resolved, .status-closed { background: #dafbe1; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; }
.pre { white-space: pre-wrap; }
.comments, .history { padding-left: 20px; }
.meta { color: var(--muted); margin-bottom: 0; }
.pager { display: flex; gap: 16px; margin-top: 12px; }
.approval { border: 1px solid var(--line); border-radius: 6px; padding: 0 12px; margin: 12px 0; }
`;
