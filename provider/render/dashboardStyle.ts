// The dashboard page's stylesheet: calm neutrals, one accent, status colours with AA contrast on their tints.
export const DASHBOARD_STYLE = `
:root {
  --bg: #f5f6f8; --panel: #ffffff; --line: #e2e5ea; --text: #1d2633; --muted: #5b6676; --accent: #2457c5;
  --ok: #23784a; --ok-bg: #e5f3ea; --bad: #b42323; --bad-bg: #fbeaea; --run: #1f5aa6; --run-bg: #e7effa;
  --warn: #8a5200; --warn-bg: #fdf1dc; --idle: #4b5563; --idle-bg: #eceef2;
  --radius: 10px; --shadow: 0 1px 2px rgba(16, 24, 40, .06);
}
* { box-sizing: border-box; }
html { font-size: 14px; }
body { margin: 0; background: var(--bg); color: var(--text); line-height: 1.45;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: .5rem; background: var(--panel); padding: .4rem .8rem; border-radius: 6px; z-index: 2; }
.top { display: flex; align-items: flex-end; justify-content: space-between; gap: 1rem; padding: 1.1rem 1.75rem .9rem;
  background: var(--panel); border-bottom: 1px solid var(--line); }
h1 { font-size: 1.45rem; margin: 0; font-weight: 650; letter-spacing: -.01em; }
h2 { font-size: 1rem; margin: 0 0 .75rem; font-weight: 620; }
.sub { margin: .2rem 0 0; color: var(--muted); }
.live { margin: 0; color: var(--muted); font-size: .92rem; display: flex; align-items: center; gap: .45rem; }
.dot { width: .55rem; height: .55rem; border-radius: 50%; background: var(--idle); display: inline-block; }
.dot.on { background: var(--ok); box-shadow: 0 0 0 3px var(--ok-bg); }
.dot.err { background: var(--bad); box-shadow: 0 0 0 3px var(--bad-bg); }
main { padding: 1.25rem 1.75rem 2rem; display: grid; gap: 1rem; max-width: 1440px; margin: 0 auto; }
.cards { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 1rem; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); box-shadow: var(--shadow);
  padding: .9rem 1.1rem; text-align: left; font: inherit; color: inherit; border-top: 4px solid var(--idle); }
button.card { cursor: pointer; }
button.card:hover { border-color: #c7ccd4; }
.card[aria-pressed="true"] { outline: 2px solid var(--accent); outline-offset: 1px; }
.card .label { color: var(--muted); font-size: .9rem; display: block; }
.card .value { font-size: 2rem; font-weight: 650; display: block; margin-top: .15rem; font-variant-numeric: tabular-nums; }
.card .hint { color: var(--muted); font-size: .8rem; }
.card.ok { border-top-color: var(--ok); } .card.bad { border-top-color: var(--bad); }
.card.run { border-top-color: var(--run); } .card.accent { border-top-color: var(--accent); }
.card.warn { border-top-color: #d08a12; }
.row { display: grid; gap: 1rem; grid-template-columns: repeat(3, minmax(0, 1fr)); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); box-shadow: var(--shadow);
  padding: 1rem 1.1rem; min-width: 0; }
.donut-wrap { display: flex; align-items: center; gap: 1.25rem; }
.donut { width: 150px; height: 150px; flex: none; }
.donut .total { font-size: 22px; font-weight: 650; fill: var(--text); }
.donut .caption { font-size: 9px; fill: var(--muted); }
.legend { list-style: none; margin: 0; padding: 0; display: grid; gap: .35rem; flex: 1; }
.legend li { display: flex; align-items: center; gap: .5rem; }
.legend .n { margin-left: auto; font-variant-numeric: tabular-nums; font-weight: 600; }
.swatch { width: .8rem; height: .8rem; border-radius: 3px; flex: none; }
.bars { display: grid; gap: .55rem; }
.bar { display: grid; grid-template-columns: 6.5rem 1fr 2.5rem; align-items: center; gap: .6rem; width: 100%;
  background: none; border: 0; padding: .25rem .3rem; border-radius: 6px; font: inherit; color: inherit; cursor: pointer; text-align: left; }
.bar:hover, .bar[aria-pressed="true"] { background: #f0f3f8; }
.track { height: .9rem; background: #eef0f4; border-radius: 4px; overflow: hidden; }
.fill { height: 100%; border-radius: 4px; }
.bar .n { text-align: right; font-variant-numeric: tabular-nums; font-weight: 600; }
.empty { color: var(--muted); margin: .25rem 0; }
.badge { display: inline-block; padding: .08rem .5rem; border-radius: 999px; font-size: .8rem; font-weight: 600; white-space: nowrap; }
.b-ok { background: var(--ok-bg); color: var(--ok); } .b-bad { background: var(--bad-bg); color: var(--bad); }
.b-run { background: var(--run-bg); color: var(--run); } .b-warn { background: var(--warn-bg); color: var(--warn); }
.b-idle { background: var(--idle-bg); color: var(--idle); }
.drift-list { list-style: none; margin: .5rem 0 0; padding: 0; display: grid; gap: .4rem; }
.drift-list li { display: flex; justify-content: space-between; gap: .5rem; }
.headline { font-size: 1.05rem; font-weight: 600; margin: 0 0 .25rem; }
.filters { display: flex; flex-wrap: wrap; gap: .4rem; margin-bottom: .75rem; }
.chip { border: 1px solid var(--line); background: var(--panel); border-radius: 999px; padding: .25rem .75rem; font: inherit;
  font-size: .88rem; color: var(--text); cursor: pointer; }
.chip[aria-pressed="true"] { background: var(--accent); border-color: var(--accent); color: #fff; }
.jobs-layout { display: grid; grid-template-columns: minmax(0, 1fr) 24rem; gap: 1rem; align-items: start; }
.scroll { max-height: 24rem; overflow: auto; border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { position: sticky; top: 0; background: #f9fafb; color: var(--muted); font-weight: 600; font-size: .82rem; z-index: 1; }
tbody tr { cursor: pointer; }
tbody tr.static { cursor: default; }
tbody tr:hover { background: #f7f9fc; }
tbody tr.static:hover { background: transparent; }
.nowrap { white-space: nowrap; }
tbody tr[aria-selected="true"] { background: #eaf0fb; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.linkish { background: none; border: 0; padding: 0; font: inherit; color: var(--accent); cursor: pointer; text-align: left; }
.linkish:hover { text-decoration: underline; }
.details { border: 1px solid var(--line); border-radius: 8px; padding: .85rem .95rem; background: #fbfcfd; min-height: 10rem; }
.details h3 { margin: 0 0 .4rem; font-size: .98rem; }
.details dl { display: grid; grid-template-columns: auto 1fr; gap: .2rem .6rem; margin: .5rem 0; font-size: .88rem; }
.details dt { color: var(--muted); }
.details dd { margin: 0; overflow-wrap: anywhere; }
.error { border-left: 3px solid var(--bad); padding: .35rem .6rem; background: var(--bad-bg); border-radius: 0 6px 6px 0; margin-top: .6rem; }
.error code { font-weight: 650; color: var(--bad); }
.error p { margin: .25rem 0; }
.remedy { margin: .35rem 0 0; padding-left: 1.1rem; }
.muted { color: var(--muted); }
.small { font-size: .82rem; }
.dots { display: flex; gap: 3px; flex-wrap: wrap; }
.pt { width: 9px; height: 9px; border-radius: 2px; display: inline-block; }
.c-app { background: #2f8a57; } .c-fs { background: #3a74c4; } .c-crash { background: #d08a12; } .c-other { background: #98a2b3; }
.key { display: flex; gap: .9rem; flex-wrap: wrap; margin-top: .6rem; color: var(--muted); font-size: .82rem; }
.key span { display: inline-flex; align-items: center; gap: .3rem; }
button:focus-visible, tr:focus-visible, a:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
@media (max-width: 1100px) { .cards { grid-template-columns: repeat(3, 1fr); } .row { grid-template-columns: 1fr; }
  .jobs-layout { grid-template-columns: 1fr; } }
@media (prefers-reduced-motion: no-preference) { .fill { transition: width .3s ease; } }
`;
