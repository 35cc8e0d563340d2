/**
 * One small stylesheet, mobile first (360 px and up). Colours meet WCAG 2.2 AA contrast
 * (text #1b1b1b on #fff is 16.9:1; links #0b4f9c on #fff is 8.3:1; white on #0b4f9c 8.3:1);
 * focus is always visible (2.4.7, 2.4.11); targets are at least 44 px high (2.5.8 asks 24).
 */
export const PORTAL_CSS = `
*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;line-height:1.5;color:#1b1b1b;background:#fff;-webkit-text-size-adjust:100%}
body{margin:0}
a{color:#0b4f9c}
a:hover{text-decoration-thickness:2px}
:focus-visible{outline:3px solid #b35c00;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}
.skip:focus{left:.5rem}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.wrap{max-width:48rem;margin:0 auto;padding:0 1rem}
header{background:#0b4f9c;color:#fff}
header a{color:#fff}
.bar{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem;padding:.5rem 0}
.brand{font-weight:700;font-size:1.15rem;text-decoration:none}
.menu ul{list-style:none;margin:0;padding:0 0 .5rem;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
.menu a,.menu button{display:inline-block;padding:.6rem 0;min-height:44px}
.menu a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}
.linklike{background:none;border:0;color:inherit;font:inherit;text-decoration:underline;cursor:pointer;padding:0}
form.inline{display:inline-block;margin-left:.5rem}
form.inline .linklike{min-height:44px;padding:.5rem 0}
.assisted{background:#fff4d6;color:#1b1b1b;padding:.5rem 1rem;border-bottom:2px solid #b35c00}
main{padding:1rem 0 2rem}
h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
.hint{display:block;color:#4a4a4a;font-size:.9rem;margin-bottom:.25rem}
input,select,textarea{font:inherit;width:100%;max-width:30rem;padding:.6rem;border:2px solid #5a5a5a;border-radius:4px;background:#fff;color:#1b1b1b;min-height:44px}
input[aria-invalid=true],textarea[aria-invalid=true],select[aria-invalid=true]{border-color:#b3261e}
.error-text{color:#b3261e;font-weight:600;display:block}
.button{display:inline-block;font:inherit;font-weight:600;background:#0b4f9c;color:#fff;border:2px solid #0b4f9c;border-radius:4px;padding:.6rem 1.2rem;min-height:44px;margin:1rem .5rem 0 0;cursor:pointer;text-decoration:none}
.button.secondary{background:#fff;color:#0b4f9c}
.alert{border-left:6px solid #b3261e;background:#fdecea;padding:.75rem 1rem;margin:1rem 0}
.notice{border-left:6px solid #1e6b35;background:#e8f5ec;padding:.75rem 1rem;margin:1rem 0}
.card{border:1px solid #c8c8c8;border-radius:6px;padding:.75rem 1rem;margin:.75rem 0}
table{border-collapse:collapse;width:100%;font-size:.95rem}
caption{text-align:left;font-weight:600;padding:.5rem 0}
th,td{text-align:left;vertical-align:top;padding:.5rem;border-bottom:1px solid #c8c8c8}
.table-scroll{overflow-x:auto}
.codes{font-family:ui-monospace,monospace;font-size:1.1rem;columns:2;list-style:none;padding:0}
.qr svg{width:220px;height:220px;display:block}
.secret{font-family:ui-monospace,monospace;word-break:break-all}
dl.facts{display:grid;grid-template-columns:minmax(7rem,max-content) 1fr;gap:.25rem 1rem}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
fieldset{border:1px solid #c8c8c8;border-radius:6px;margin:1rem 0;padding:0 1rem 1rem}
legend{font-weight:700;padding:0 .25rem}
ul.plain{list-style:none;margin:0;padding:0}
.timeline{list-style:none;margin:0;padding:0;border-left:4px solid #c8c8c8}
.step{position:relative;margin:0 0 1rem;padding:.25rem 0 .25rem 1rem}
.step h3{font-size:1.05rem;margin:.25rem 0}
.step::before{content:"";position:absolute;left:-.6rem;top:.6rem;width:.85rem;height:.85rem;border-radius:50%;background:#fff;border:3px solid #5a5a5a}
.step-done::before{background:#1e6b35;border-color:#1e6b35}
.step-running::before{border-color:#0b4f9c}
.step-failed::before{background:#b3261e;border-color:#b3261e}
.badge{display:inline-block;font-weight:700;border:2px solid currentColor;border-radius:1rem;padding:0 .6rem}
.step-done .badge{color:#1e6b35}
.step-failed .badge{color:#b3261e}
footer{border-top:1px solid #c8c8c8;padding:1rem 0;font-size:.9rem;color:#4a4a4a}
@media (min-width:40rem){h1{font-size:1.8rem}}
@media (prefers-reduced-motion:reduce){*{transition:none!important;animation:none!important}}
`;
