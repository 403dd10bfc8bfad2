// The console's one stylesheet, served as /console/static/console.css (the CSP allows styles from 'self' only).
// Colours meet WCAG AA contrast on white; the queue table turns into cards on a phone screen.
#include "console_context.hpp"

namespace carelisten::console::detail {

const char* const kStylesheet = R"css(
:root { --ink: #1b1f24; --muted: #4a5560; --line: #c9d1d9; --accent: #0b5cad; --bad: #a3160c; --warn: #8a4b00;
        --ok: #1d6b2f; --bg: #ffffff; --panel: #f4f6f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       background: var(--bg); }
a { color: var(--accent); }
a:focus, button:focus, input:focus, select:focus, textarea:focus { outline: 3px solid #f0b400; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 10; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; padding: .5rem 1rem;
             background: #10263d; color: #fff; }
header.top a { color: #fff; text-decoration: none; padding: .25rem .5rem; border-radius: 4px; }
header.top a[aria-current="page"] { background: #2c5a8a; }
header.top ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem; margin: 0; padding: 0; }
.site { font-weight: 700; }
.logout { margin-left: auto; display: flex; gap: .5rem; align-items: center; }
main { padding: 1rem; max-width: 80rem; margin: 0 auto; }
main.narrow { max-width: 28rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; }
button { font: inherit; padding: .4rem .9rem; border: 1px solid var(--accent); background: var(--accent);
         color: #fff; border-radius: 4px; cursor: pointer; }
input, select, textarea { font: inherit; padding: .35rem; border: 1px solid #6b7785; border-radius: 4px;
                          max-width: 100%; }
.stack { display: flex; flex-direction: column; gap: .4rem; }
.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; background: var(--panel);
           padding: .75rem; border-radius: 6px; }
.filters label { display: flex; flex-direction: column; font-size: .9rem; }
.filters label.check { flex-direction: row; gap: .3rem; align-items: center; }
fieldset { border: 1px solid var(--line); border-radius: 4px; }
label.check { display: inline-flex; gap: .3rem; margin-right: .8rem; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: var(--panel); }
tr.is-overdue td { background: #fdecea; }
tr.is-flagged td, tr.is-flagged th { background: #fdecea; }
.overdue { color: var(--bad); font-weight: 700; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .85rem; font-weight: 700;
         border: 1px solid currentColor; }
.urgency-critical { color: #fff; background: var(--bad); border-color: var(--bad); }
.urgency-high { color: var(--warn); }
.urgency-low { color: var(--muted); }
.urgency-none { color: var(--muted); }
.status { font-size: 1rem; font-weight: 400; color: var(--muted); }
.preview { max-width: 28rem; overflow-wrap: anywhere; }
.messages, .history { padding-left: 1.2rem; }
.message article { border: 1px solid var(--line); border-radius: 6px; padding: .75rem; margin-bottom: .75rem; }
.message .text { white-space: pre-wrap; overflow-wrap: anywhere; }
.question { color: var(--muted); font-style: italic; }
.flag { display: inline-block; color: var(--bad); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
.facts dt { font-weight: 700; }
.facts dd { margin: 0; }
.analysis dt { font-weight: 700; }
.actions { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; }
.actions form { background: var(--panel); padding: .75rem; border-radius: 6px; }
.actions h3 { margin: 0 0 .25rem; font-size: 1.05rem; }
.notice { background: #e7f3ea; border-left: 4px solid var(--ok); padding: .5rem .75rem; }
.error { background: #fdecea; border-left: 4px solid var(--bad); padding: .5rem .75rem; }
.hint { color: var(--muted); font-size: .9rem; }
figure.chart { margin: 1rem 0; max-width: 100%; overflow-x: auto; }
figure.chart svg { max-width: 100%; height: auto; }
.chart-data, .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
                                white-space: nowrap; }
blockquote { margin: .25rem 0 .25rem 1rem; padding-left: .5rem; border-left: 3px solid var(--line);
             white-space: pre-wrap; overflow-wrap: anywhere; }
code { font-size: .85rem; overflow-wrap: anywhere; }
@media (max-width: 44rem) {
  table.queue thead { position: absolute; left: -9999px; }
  table.queue tr { display: block; border: 1px solid var(--line); border-radius: 6px; margin-bottom: .75rem;
                   padding: .5rem; }
  table.queue td { display: grid; grid-template-columns: 7rem 1fr; border: 0; padding: .2rem 0; }
  table.queue td::before { content: attr(data-label); font-weight: 700; }
  .logout { margin-left: 0; }
  .facts { grid-template-columns: 1fr; }
}
)css";

}  // namespace carelisten::console::detail
