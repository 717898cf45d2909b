/* Small helpers shared by the judge's tablet page and the head judge's console. */
(function () {
  "use strict";

  // "%(name)s" placeholders, as Django's translated strings carry them.
  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_m, name) => String(values[name]));
  }

  // A decimal as the page's language writes it (8,75 in Vietnamese).
  function decimal(value, comma) {
    return comma ? String(value).replace(".", ",") : String(value);
  }

  // An element with attributes (on* are listeners) and children (nested arrays flattened).
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // A fresh Idempotency-Key.
  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  window.HoiThi = { format, decimal, el, csrfToken, newKey };
})();
