// The case editor: line numbers, live lint + preview, lint messages that jump to their line.
// Progressive enhancement: without this file the page still works (the "Check" button posts
// the text and the server renders lint and preview). No inline script: the CSP forbids it.
(function () {
  "use strict";

  var root = document.querySelector("[data-editor]");
  if (!root) return;
  var textarea = root.querySelector("textarea");
  var gutter = root.querySelector("[data-gutter]");
  var lintList = root.querySelector("[data-lint-list]");
  var summary = root.querySelector("[data-lint-summary]");
  var preview = root.querySelector("[data-preview]");
  var side = root.querySelector(".editor-side");
  var publishButton = root.querySelector("[data-publish-button]");
  var publishHelp = root.querySelector("[data-publish-help]");
  var lintUrl = root.getAttribute("data-lint-url");
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var MIN_ROWS = 24;
  var sequence = 0;
  var timer = null;

  function lineCount(text) {
    return text.split("\n").length;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // -- line numbers -------------------------------------------------------------------------

  var shownLines = 0;
  function renderGutter() {
    var count = lineCount(textarea.value);
    textarea.rows = Math.max(MIN_ROWS, count + 2);
    if (count === shownLines) return;
    var fragment = document.createDocumentFragment();
    for (var n = 1; n <= count; n++) {
      var span = el("span", null, String(n));
      span.id = "line-" + n;
      fragment.appendChild(span);
      fragment.appendChild(document.createTextNode("\n"));
    }
    gutter.textContent = "";
    gutter.appendChild(fragment);
    shownLines = count;
  }

  // -- caret ----------------------------------------------------------------------------------

  function caretLine() {
    return textarea.value.slice(0, textarea.selectionStart).split("\n").length;
  }

  function goToLine(line) {
    var lines = textarea.value.split("\n");
    line = Math.min(Math.max(1, line), lines.length);
    var offset = 0;
    for (var i = 0; i < line - 1; i++) offset += lines[i].length + 1;
    textarea.focus({ preventScroll: true });
    textarea.setSelectionRange(offset, offset + lines[line - 1].length);
    var mark = document.getElementById("line-" + line);
    if (mark) {
      mark.scrollIntoView({ block: "center" });
      mark.classList.add("is-target");
      window.setTimeout(function () { mark.classList.remove("is-target"); }, 1600);
    }
    highlightNode(line);
  }

  function highlightNode(line) {
    if (!preview) return;
    var current = null;
    preview.querySelectorAll(".preview-node").forEach(function (node) {
      var start = Number(node.getAttribute("data-start"));
      var end = Number(node.getAttribute("data-end"));
      var inside = line >= start && line <= end;
      node.classList.toggle("is-current", inside);
      if (inside) current = node;
    });
    // Only the sticky side column scrolls (wide screens); on a phone the page would jump.
    if (current && side && side.scrollHeight > side.clientHeight + 4 &&
        getComputedStyle(side).position === "sticky") {
      side.scrollTop = current.offsetTop - 8;
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".lint-jump[data-line]") : null;
    if (!link || !root.contains(link)) return;
    event.preventDefault();
    goToLine(Number(link.getAttribute("data-line")));
  });

  ["keyup", "click", "focus"].forEach(function (name) {
    textarea.addEventListener(name, function () { highlightNode(caretLine()); });
  });

  // -- live lint + preview --------------------------------------------------------------------

  function renderFindings(data) {
    summary.textContent = "";
    var status = data.ok
      ? el("span", "badge badge-published", "✓ No errors")
      : el("span", "badge badge-error", "✗ " + data.errors + (data.errors === 1 ? " error" : " errors"));
    summary.appendChild(status);
    if (data.warnings) {
      summary.appendChild(document.createTextNode(" "));
      summary.appendChild(el("span", "badge badge-warning",
        "! " + data.warnings + (data.warnings === 1 ? " warning" : " warnings")));
    }
    lintList.textContent = "";
    data.findings.forEach(function (finding) {
      var item = el("li", "lint-item lint-" + finding.severity);
      var link = el("a", "lint-jump", "Line " + finding.line);
      link.href = "#line-" + finding.line;
      link.setAttribute("data-line", finding.line);
      item.appendChild(link);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(el("span", "lint-severity", finding.severity));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(el("span", "lint-message", finding.message));
      lintList.appendChild(item);
    });
    if (publishButton) {
      publishButton.disabled = !data.ok;
      if (data.ok) publishButton.removeAttribute("aria-disabled");
      else publishButton.setAttribute("aria-disabled", "true");
    }
    if (publishHelp) publishHelp.hidden = data.ok;
  }

  function renderPreview(data) {
    if (!preview) return;
    preview.textContent = "";
    if (!data.nodes.length) {
      preview.appendChild(el("p", "muted",
        "Nothing to preview until the front matter and the first node parse."));
      return;
    }
    data.nodes.forEach(function (node) {
      var article = el("article", "preview-node");
      article.setAttribute("data-start", node.line);
      article.setAttribute("data-end", node.end_line);
      var heading = el("h3", null, node.title + " ");
      heading.appendChild(el("span", "tag", node.kind));
      heading.appendChild(document.createTextNode(" "));
      var jump = el("a", "lint-jump small", "line " + node.line);
      jump.href = "#line-" + node.line;
      jump.setAttribute("data-line", node.line);
      heading.appendChild(jump);
      article.appendChild(heading);
      // body_html and question_html were sanitised on the server (edu.cases.render).
      var body = el("div", "prose");
      body.innerHTML = node.body_html;
      article.appendChild(body);
      if (node.question_html) {
        var question = el("div", "prose preview-question");
        question.innerHTML = node.question_html;
        article.appendChild(question);
      }
      if (node.options.length) {
        var list = el("ul", "preview-options");
        node.options.forEach(function (option) {
          var item = el("li");
          item.appendChild(el("code", null, option.code));
          item.appendChild(document.createTextNode(" " + option.label));
          if (option.target) {
            item.appendChild(document.createTextNode(" "));
            item.appendChild(el("span", "muted", "→ #" + option.target));
          }
          list.appendChild(item);
        });
        article.appendChild(list);
      }
      if (node.outcome) article.appendChild(el("p", "muted", "Ending: " + node.outcome));
      preview.appendChild(article);
    });
    highlightNode(caretLine());
  }

  function check() {
    var mine = ++sequence;
    root.setAttribute("aria-busy", "true");
    fetch(lintUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": tokenMeta ? tokenMeta.content : ""
      },
      body: JSON.stringify({ content: textarea.value })
    })
      .then(function (response) {
        if (!response.ok) throw new Error("lint request failed: " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (mine !== sequence) return; // a newer check is on its way
        renderFindings(data);
        renderPreview(data);
      })
      .catch(function () { /* the Check button still works */ })
      .then(function () { if (mine === sequence) root.removeAttribute("aria-busy"); });
  }

  textarea.addEventListener("input", function () {
    renderGutter();
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 400);
  });

  renderGutter();
  root.classList.add("editor-live");
})();
