/**
 * One small stylesheet for the transparency page and the console, the portal's palette:
 * text #1b1b1b on #fff (16.9:1), links #0b4f9c (8.3:1), focus always visible, 44 px targets.
 */
import { createHash } from 'node:crypto';

export const OVERSIGHT_CSS = `
*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;line-height:1.5;color:#1b1b1b;background:#fff;-webkit-text-size-adjust:100%}
body{margin:0}
a{color:#0b4f9c}
:focus-visible{outline:3px solid #b35c00;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}
.skip:focus{left:.5rem}
.wrap{max-width:64rem;margin:0 auto;padding:0 1rem}
header{background:#12355b;color:#fff}
header a{color:#fff}
.bar{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem;padding:.5rem 0}
.brand{font-weight:700;font-size:1.15rem;text-decoration:none}
.menu ul{list-style:none;margin:0;padding:0 0 .5rem;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
.menu a,.menu button{display:inline-block;padding:.6rem 0;min-height:44px}
.menu a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}
.linklike{background:none;border:0;color:inherit;font:inherit;text-decoration:underline;cursor:pointer;padding:0}
main{padding:1rem 0 2rem}
h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:1.75rem 0 .5rem}
h3{font-size:1.05rem;margin:1rem 0 .25rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
.hint{display:block;color:#4a4a4a;font-size:.9rem}
input,select,textarea{font:inherit;width:100%;max-width:30rem;padding:.6rem;border:2px solid #5a5a5a;border-radius:4px;background:#fff;color:#1b1b1b;min-height:44px}
.button{display:inline-block;font:inherit;font-weight:600;background:#0b4f9c;color:#fff;border:2px solid #0b4f9c;border-radius:4px;padding:.6rem 1.2rem;min-height:44px;margin:1rem .5rem 0 0;cursor:pointer;text-decoration:none}
.button.secondary{background:#fff;color:#0b4f9c}
.alert{border-left:6px solid #b3261e;background:#fdecea;padding:.75rem 1rem;margin:1rem 0}
.notice{border-left:6px solid #1e6b35;background:#e8f5ec;padding:.75rem 1rem;margin:1rem 0}
.card{border:1px solid #c8c8c8;border-radius:6px;padding:.75rem 1rem;margin:.75rem 0}
table{border-collapse:collapse;width:100%;font-size:.95rem}
caption{text-align:left;font-weight:600;padding:.5rem 0}
th,td{text-align:left;vertical-align:top;padding:.5rem;border-bottom:1px solid #c8c8c8}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.table-scroll{overflow-x:auto}
pre{background:#f4f4f4;border:1px solid #c8c8c8;padding:.75rem;overflow-x:auto;font-size:.85rem;white-space:pre-wrap;word-break:break-all}
code{font-family:ui-monospace,monospace}
dl.facts{display:grid;grid-template-columns:minmax(7rem,max-content) 1fr;gap:.25rem 1rem}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0;word-break:break-word}
.badge{display:inline-block;font-weight:700;border:2px solid currentColor;border-radius:1rem;padding:0 .6rem}
.sev-high{color:#b3261e}
.sev-medium{color:#8a4b00}
.bars{list-style:none;margin:0;padding:0}
.bars li{display:grid;grid-template-columns:minmax(8rem,14rem) 1fr;gap:.5rem;align-items:center;margin:.25rem 0}
.bars .track{background:#e4e4e4;height:1rem;border-radius:3px}
.bars .fill{background:#0b4f9c;height:1rem;border-radius:3px;min-width:2px}
.legend{list-style:none;margin:.5rem 0 0;padding:0}
.legend li{display:flex;align-items:center;gap:.5rem;margin:.25rem 0}
.legend svg{flex:none}
footer{border-top:1px solid #c8c8c8;padding:1rem 0;font-size:.9rem;color:#4a4a4a}
@media print{header,footer,.menu,.skip,.no-print{display:none}}
@media (prefers-reduced-motion:reduce){*{transition:none!important;animation:none!important}}
`;

const hash = createHash('sha256').update(OVERSIGHT_CSS).digest('hex').slice(0, 12);
export const CSS_PATH = `/aset/oversight.${hash}.css`;
